/** The createApp deps a test of one part of the HTTP app does not exercise: no webhook source, nothing to replay. */
export function apiStubs(adminToken: string) {
  return {
    adminToken,
    webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false as const, runIds: [] }), peerAddress: () => "", now: Date.now },
    status: async () => ({ ok: true }),
    ready: async () => true,
    reload: async () => ({ ok: true }),
    replay: async () => ({ status: 404, body: {} }),
    retryNow: async () => ({ status: 404, body: {} }),
  };
}
