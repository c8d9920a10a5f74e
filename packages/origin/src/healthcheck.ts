import { request } from 'node:http';
import { HEALTHCHECK_TIMEOUT_MS, selfAddress } from '@cdn-lab/common';

/** Healthy when the origin on host:port answers `HEAD /` with any status below 500. */
export function checkOrigin(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: selfAddress(host), port, method: 'HEAD', path: '/' }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status < 500) resolve(`HEAD / answered ${status}`);
      else reject(new Error(`HEAD / answered ${status}`));
    });
    req.setTimeout(HEALTHCHECK_TIMEOUT_MS, () => {
      req.destroy(new Error(`no answer within ${HEALTHCHECK_TIMEOUT_MS} ms`));
    });
    req.once('error', reject);
    req.end();
  });
}
