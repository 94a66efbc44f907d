// Health for load balancers and monitoring (no authentication; nothing secret in the answers):
//   GET /healthz   the process answers (liveness)
//   GET /readyz    200 when every readiness check passes (storage reachable, under the load limit;
//                  Redis with the cluster), else 503 with the failing checks
//   GET /metrics   Prometheus text format (bearer or admin session unless admin.metricsPublic)
//   GET /api/v1/status   the page's live view: a few key figures as JSON
import type Router from '@koa/router';

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

export interface HealthOptions {
  readiness?: () => Promise<Record<string, ReadinessCheck>>;
  metrics?: () => Promise<{ contentType: string; body: string }>;
  status?: () => Promise<Record<string, unknown>>;
}

export function healthRoutes(router: Router, options: HealthOptions): void {
  const alive = (ctx: { body: unknown }) => {
    ctx.body = { status: 'ok' };
  };
  router.get('/healthz', alive);
  router.get('/health', alive); // the first admin API's name, kept for existing probes

  router.get('/readyz', async (ctx) => {
    const checks = options.readiness ? await options.readiness() : {};
    const isReady = Object.values(checks).every((c) => c.ok);
    ctx.status = isReady ? 200 : 503;
    ctx.body = { status: isReady ? 'ready' : 'not-ready', checks };
  });

  if (options.metrics) {
    const metrics = options.metrics;
    router.get('/metrics', async (ctx) => {
      const { contentType, body } = await metrics();
      ctx.type = contentType;
      ctx.body = body;
    });
  }

  if (options.status) {
    const status = options.status;
    router.get('/api/v1/status', async (ctx) => {
      ctx.body = await status();
    });
  }
}
