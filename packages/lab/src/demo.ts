import { formatReport, runLoad, type LoadReport } from '@cdn-lab/client';
import { readManifest } from '@cdn-lab/origin';

export interface DemoOptions {
  host: string;
  port: number;
  siteDir: string;
  requests: number;
  concurrency: number;
  /** Objects above this size are left out so the demo stays short. */
  maxObjectBytes: number;
}

/** A short load through the balancer over the demo site's objects; returns the client's report. */
export async function runDemoLoad(
  options: DemoOptions,
): Promise<{ report: LoadReport; text: string }> {
  const manifest = await readManifest(options.siteDir);
  const paths = manifest.objects
    .filter((object) => object.size <= options.maxObjectBytes)
    .map((object) => object.path);
  const report = await runLoad({
    balancer: { host: options.host, port: options.port },
    paths,
    requests: options.requests,
    concurrency: options.concurrency,
  });
  return { report, text: formatReport(report) };
}
