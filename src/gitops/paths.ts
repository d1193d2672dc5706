// Where Git servers deliver webhooks. The route reads its own raw body (the signature is over the exact bytes), so the
// input guard leaves these paths alone and the anonymous body-size guard lets them through to the route's own bound.
export const WEBHOOK_PATH_PREFIX = '/v1/integrations/git/webhook/';
