// proxy/http/route: the pure route-matching engine (RouteConfiguration → RouteTable → RouteMatch).
export { compileRouteConfiguration } from './route-table.ts';
export type {
  CompiledRoute, CompiledVirtualHost, DirectResponseAction, ForwardAction, GrpcTimeoutPolicy, Mirror, RedirectAction, RequestHashPolicy, RouteAction, RouteMatch,
  RouteRequest, RouteTable,
} from './types.ts';
