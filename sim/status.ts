// Kubernetes `Status` errors with the API server's codes, reasons and wording, so clients parse them as from k3s.
import type { ResourceType } from './resources.ts';

export type ApiError = {
  code: number;
  reason: string;
  message: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field: string }[] };
};

/** "pods" for the core group, "deployments.apps" otherwise: the qualified resource in error messages. */
export function qualifiedResource(type: Pick<ResourceType, 'group' | 'resource'>): string {
  return type.group ? `${type.resource}.${type.group}` : type.resource;
}

function details(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError['details'] {
  return { name, ...(type.group ? { group: type.group } : {}), kind: type.resource };
}

export function statusBody(error: ApiError): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(error.details ? { details: error.details } : {}),
    code: error.code,
  };
}

export function successBody(type: Pick<ResourceType, 'group' | 'resource'>, name: string, uid: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { ...details(type, name), uid } };
}

export function notFound(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
  return { code: 404, reason: 'NotFound', message: `${qualifiedResource(type)} "${name}" not found`, details: details(type, name) };
}

/** A URL the server does not serve at all (unknown group, resource or path). */
export function pageNotFound(): ApiError {
  return { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: {} };
}

export function alreadyExists(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
  return { code: 409, reason: 'AlreadyExists', message: `${qualifiedResource(type)} "${name}" already exists`, details: details(type, name) };
}

export function conflict(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
  return {
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details: details(type, name),
  };
}

export function forbidden(message: string, type: Pick<ResourceType, 'group' | 'resource'>, name: string | undefined): ApiError {
  return { code: 403, reason: 'Forbidden', message, details: { ...(name ? { name } : {}), ...(type.group ? { group: type.group } : {}), kind: type.resource } };
}

export function invalid(kind: string, name: string, field: string, why: string, group = ''): ApiError {
  return {
    code: 422,
    reason: 'Invalid',
    message: `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${field}: ${why}`,
    details: { name, ...(group ? { group } : {}), kind, causes: [{ reason: 'FieldValueRequired', message: why, field }] },
  };
}

export function badRequest(message: string): ApiError {
  return { code: 400, reason: 'BadRequest', message };
}

export function methodNotAllowed(): ApiError {
  return { code: 405, reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource', details: {} };
}

export function unsupportedMediaType(contentType: string): ApiError {
  return {
    code: 415,
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`,
  };
}

export const UNAUTHORIZED: ApiError = { code: 401, reason: 'Unauthorized', message: 'Unauthorized' };
