export { createDevRoutes } from './dev-routes.js';
export type { DevRoutesHandler, DevRoutesOptions } from './dev-routes.js';
