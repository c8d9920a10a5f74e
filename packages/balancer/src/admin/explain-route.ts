import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressValue, sendJson, type AdminRoute } from '@cdn-lab/common';
import { REGION_NAME } from '@cdn-lab/protocol';
import type { BalancerHandle } from '../balancer-handle.js';

/** A 400 naming the query parameter at fault. */
function refuse(res: ServerResponse, parameter: string, error: string): void {
  sendJson(res, 400, { error: `${parameter}: ${error}`, parameter });
}

/**
 * GET /explain?client=ADDR&path=/x[&region=HINT][&local=ADDR]: the route that client would get
 * now and why, without routing (no counters, no route log, no load accounting). `local`: the
 * balancer's address the client connects to, which says whether it is given advertised
 * addresses (default: the client's own subnet stands for it).
 */
export function explainRoute(balancer: BalancerHandle): AdminRoute {
  return {
    method: 'GET',
    path: '/explain',
    handle: (req: IncomingMessage, res: ServerResponse) => {
      const params = new URL(req.url ?? '/', 'http://admin').searchParams;
      const client = params.get('client');
      const path = params.get('path');
      const hint = params.get('region');
      const local = params.get('local');
      if (client === null || client === '') {
        refuse(res, 'client', "give client=ADDR, the client's IP address (IPv4 or IPv6)");
      } else if (!addressValue(client)) {
        refuse(res, 'client', `${JSON.stringify(client)} is not an IP address`);
      } else if (path === null || path === '') {
        refuse(res, 'path', 'give path=/the/object, the path the client would ask for');
      } else if (!path.startsWith('/')) {
        refuse(res, 'path', `${JSON.stringify(path)} must start with "/"`);
      } else if (hint !== null && !REGION_NAME.test(hint)) {
        refuse(
          res,
          'region',
          `${JSON.stringify(hint)} is not a region name (a lowercase letter, then letters, digits or -)`,
        );
      } else if (local !== null && !addressValue(local)) {
        refuse(res, 'local', `${JSON.stringify(local)} is not an IP address of the balancer's`);
      } else {
        sendJson(res, 200, balancer.explain(client, path, hint, local));
      }
    },
  };
}
