/**
 * Egress allow-list: the hosts manifest.yml declares. On Forge an undeclared host fails at run time;
 * the local runtime enforces the same list so it fails here too. Loopback and http:// are allowed
 * only in the local runtime (tests, local receivers).
 */
import type { Result } from '../result';
import { err, ok } from '../result';

export interface EgressPolicy {
  /** Host patterns from manifest.yml `permissions.external.fetch.backend` (`*.example.com`, `*`). */
  allowedHosts: readonly string[];
  /** Local runtime only: allow http:// and https:// to 127.0.0.0/8, ::1 and localhost. */
  allowLoopback: boolean;
  /** Self-hosted mode: allow private network ranges (10/8, 172.16/12, 192.168/16...). Off unless set. */
  allowPrivate: boolean;
  /** Hosts the app itself serves (its own URL): never a channel target. */
  ownHosts?: readonly string[];
  /** What a user can do about an undeclared host in this runtime (added to the refusal). */
  undeclaredHint?: string;
  /** Ports calls may use; absent = any. Forge: FORGE_EGRESS_PORTS. */
  allowedPorts?: readonly number[];
}

/**
 * Forge's runtime connects only to these ports ("Only 80, 8080, 443, 8443, 8444, 7990, 8089, 8090,
 * 8085 and 8060", https://developer.atlassian.com/platform/forge/function-reference/nodejs-runtime/):
 * a URL on any other port saves fine and then fails on every delivery, so it is refused on save.
 */
export const FORGE_EGRESS_PORTS: readonly number[] = [80, 443, 8080, 8443, 8444, 7990, 8089, 8090, 8085, 8060];

export interface EgressDenied {
  host: string;
  message: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;
const PRIVATE = /^(10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|169\.254(?:\.\d{1,3}){2}|0\.0\.0\.0|\[?f[cd][0-9a-f]{2}:.*\]?|\[?fe80:.*\]?)$/i;

/**
 * Never a channel target, whatever the policy: link-local ranges (169.254.0.0/16, fe80::/10) and the
 * cloud instance-metadata endpoints, which hand out the machine's credentials to whoever asks
 * (AWS 169.254.169.254 and fd00:ec2::254, GCP metadata.google.internal, Alibaba 100.100.100.200).
 */
const LINK_LOCAL = /^(169\.254(?:\.\d{1,3}){2}|\[fe[89ab][0-9a-f]:[0-9a-f:.]*\])$/i;
const METADATA_HOSTS = new Set([
  '169.254.169.254', '[fd00:ec2::254]', 'metadata.google.internal', 'metadata.goog', 'metadata',
  '100.100.100.200', 'instance-data', 'instance-data.ec2.internal',
]);

/** `[::ffff:a9fe:a9fe]` (how URL writes ::ffff:169.254.169.254) is the IPv4 address it maps. */
function unmapIpv4(host: string): string {
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/i.exec(host);
  if (!m) return host;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const hostMatches = (host: string, pattern: string): boolean => {
  const p = pattern.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p;
};

/** Checks a URL a channel will call. The error names the host and what to do about it. */
export function checkEgress(rawUrl: string, policy: EgressPolicy): Result<URL, EgressDenied> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return err({ host: '', message: 'not a valid URL' });
  }
  const host = unmapIpv4(url.hostname.toLowerCase().replace(/\.$/, ''));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return err({ host, message: `unsupported scheme "${url.protocol}"; use https://` });
  }
  if (url.username || url.password) {
    return err({ host, message: 'credentials in the URL are not allowed' });
  }
  if (policy.ownHosts?.some((own) => own.toLowerCase() === url.host.toLowerCase() || own.toLowerCase() === host)) {
    return err({ host, message: `"${host}" is this app's own address; a channel cannot point back at it` });
  }
  if (LINK_LOCAL.test(host) || METADATA_HOSTS.has(host)) {
    return err({ host, message: `"${host}" is a link-local or cloud metadata address; it is never a channel target (not even with BUILD_ALERTS_ALLOW_PRIVATE_EGRESS=1)` });
  }
  const loopback = LOOPBACK.test(host);
  if (loopback) {
    return policy.allowLoopback
      ? ok(url)
      : err({ host, message: `loopback host "${host}" is allowed only in the local runtime` });
  }
  if (url.protocol === 'http:') {
    return err({ host, message: 'http:// is allowed only for loopback hosts in the local runtime; use https://' });
  }
  const port = url.port ? Number(url.port) : 443;
  if (policy.allowedPorts && !policy.allowedPorts.includes(port)) {
    return err({
      host,
      message: `port ${port} is not one Forge apps can call (${policy.allowedPorts.join(', ')}); serve the endpoint on 443 (e.g. behind a reverse proxy) or another of these ports`,
    });
  }
  if (PRIVATE.test(host)) {
    return policy.allowPrivate
      ? ok(url)
      : err({ host, message: `private address "${host}" is refused (set BUILD_ALERTS_ALLOW_PRIVATE_EGRESS=1 in self-hosted mode to allow)` });
  }
  if (!policy.allowedHosts.some((p) => hostMatches(host, p))) {
    const hint = policy.undeclaredHint ? `; ${policy.undeclaredHint}` : '';
    return err({ host, message: `host "${host}" is not in the app's egress allow-list (manifest.yml permissions.external.fetch.backend)${hint}` });
  }
  return ok(url);
}
