// api: the user-facing resource kinds — schemas, types, validation and YAML/JSON I/O.
export { KINDS, kindInfo, resolveKind, kindByPlural, SINGLETON_NAME, type KindInfo } from './registry.ts';
export { describeKey, keyOf, type Resource, type ResourceKey, type ObjectMeta } from './meta.ts';
export { validateResource, type Validation, type ValidateOptions } from './validate.ts';
export { basicRegexChecker, type RegexChecker } from './regex.ts';
export { loadResources, formatProblems, MAX_PROBLEMS, type Problem, type LoadResult, type LoadOptions } from './load.ts';
export { parseDocuments, toYaml, asList, MAX_INPUT_BYTES } from './io.ts';
export { openAPIV3Schema, customResourceDefinition } from './openapi.ts';
export { fieldPath, type ApiIssue, type FieldPath } from './issues.ts';
export { durationMs } from './duration.ts';
export { parseLabelSelector, matchesLabels, type LabelSelector } from './label-selector.ts';
export type { ServiceSpec } from './kinds/service.ts';
export type { WorkloadSpec } from './kinds/workload.ts';
export type { HTTPRouteSpec, HTTPRouteRule, HTTPRouteMatch, HTTPRouteFilter, HTTPBackendRef } from './kinds/httproute.ts';
export type { GRPCRouteSpec, GRPCRouteRule, GRPCRouteMatch, GRPCRouteFilter } from './kinds/grpcroute.ts';
export { TRAFFIC_POLICY_DEFAULTS, type TrafficPolicySpec } from './kinds/traffic-policy.ts';
export type { MeshConfigSpec } from './kinds/mesh-config.ts';
export type { AuthorizationPolicySpec, AuthorizationRule, AuthorizationSource } from './kinds/authorization-policy.ts';
export type { ParentReference, BackendObjectReference, HeaderMatch, HTTPHeaderFilter, RequestMirrorFilter } from './kinds/gateway-common.ts';
