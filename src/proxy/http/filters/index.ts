// proxy/http/filters: the HTTP filters that run before the router (fault injection, local rate
// limit), built per listener and route at config time.
export { buildHttpFilters, HttpFilterChains } from './chain.ts';
export type { FilterHost } from './types.ts';
