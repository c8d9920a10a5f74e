/** What the original client wrote when no path was asked for. */
export const DEFAULT_OUTPUT = 'website.html';

/** The file a download is saved to when -o is not given: the path's last segment. */
export function defaultOutputName(path: string | null): string {
  if (path === null) return DEFAULT_OUTPUT;
  const withoutQuery = path.replace(/[?#].*$/, '');
  const last = withoutQuery.slice(withoutQuery.lastIndexOf('/') + 1);
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // Not valid percent-encoding: keep it as written.
  }
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    return 'index.html';
  }
  return name;
}
