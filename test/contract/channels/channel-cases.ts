/**
 * Per-channel inputs for the contract suite: a valid config (fake credentials), configs that must
 * be refused, where each secret may legitimately appear in a request, and vendor-specific answers.
 */
import type { ChannelType } from '../../../src/core/channels/channel';
import type { DeliveryOutcome } from '../../../src/core/delivery/outcome';
import { AUTHOR_ACCOUNT_ID } from './alert-builders';

/** Where a secret may appear in the request the vendor needs it in. */
export type SecretPlace = 'url' | 'header:authorization' | 'body:routing_key' | 'nowhere';

export interface ClassifyRow {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  kind: DeliveryOutcome['kind'];
  afterMs?: number;
  memo?: Record<string, string>;
  /** Text the reason must contain. */
  reasonHas?: string;
}

export interface ChannelCase {
  valid: Record<string, unknown>;
  secrets: Record<string, SecretPlace>;
  /** Other configs that must be accepted. */
  alsoValid: Record<string, unknown>[];
  /** [config, path of the expected error]. */
  invalid: [Record<string, unknown>, string][];
  classify: ClassifyRow[];
  /** Whether push/PR alerts produce a request (chat and webhook) or null (incident tools). */
  allTypes: boolean;
  /** Golden alerts (failed, fixed, still-failing, grouped) this channel deliberately does not send. */
  skips?: string[];
}

const SLACK_URL = 'https://hooks.slack.com/services/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';
/** Obviously fake bot token in Slack's shape (https://api.slack.com/authentication/token-types#bot). */
export const SLACK_BOT_TOKEN = 'xoxb-1111111111-2222222222222-TestOnlyNotARealToken00';
export const SLACK_CHANNEL_ID = 'C0123ABCD';
const TEAMS_URL = 'https://prod-12.westus.logic.azure.com:443/workflows/0a1b2c3d4e5f40718293a4b5c6d7e8f9/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Qw3rTy7uIo9pAs1dFg5hJk2lZx8cVb4nM6';
const CHAT_URL = 'https://chat.googleapis.com/v1/spaces/AAAAq1w2e3r/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=Hx7Kp2Qm9Zr4Tv8Ns3Lb6Wc1Yd5Fg0Jh';
const DISCORD_URL = 'https://discord.com/api/webhooks/1180000000000000001/Ab3dEf6hIj9kLm2oPq5sTu8wXy1zAB4dEF7hIJ0kLM3oPQ6sTU9wXY2zab5';
const MATTERMOST_URL = 'https://chat.acme.example/hooks/xq8nr7kz3jbp5c9wy4tmhe6fda';
const ALERTOPS_URL = 'https://notify.alertops.com/POSTAlert/6b1f0a52-8d3c-4e7f-9a2b-5c4d3e2f1a0b/BuildAlerts';
const SQUADCAST_URL = 'https://api.squadcast.com/v2/incidents/api/3f9a7c1e5b2d8f4a6c0e9b7d5f3a1c8e';
const WEBHOOK_URL = 'https://receiver.acme.example/hooks/ba-7Hq2Lm9x?token=Rk7pX2mQ9vL4sT8w';
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ROUTING_KEY = 'R02Fk7Qm9Zr4Tv8Ns3Lb6Wc1Yd5Fg0Jh';
const OPSGENIE_KEY = 'eb243592-faa2-4ba2-a551-1afdf565c889';
const JSM_KEY = '5a1c3e2f-0b9d-4c8e-a7f6-9d8c7b6a5f4e';

const generic: ClassifyRow[] = [
  { status: 200, body: 'ok', kind: 'delivered' },
  { status: 202, body: '', kind: 'delivered' },
  { status: 429, body: 'rate limited', headers: { 'Retry-After': '7' }, kind: 'retry', afterMs: 7000 },
  { status: 503, body: 'Service Unavailable', kind: 'retry' },
  { status: 500, body: 'oops', kind: 'retry' },
  { status: 410, body: 'gone', kind: 'disable' },
  { status: 400, body: 'bad request', kind: 'failed', reasonHas: '400' },
];

export const CASES: Record<ChannelType, ChannelCase> = {
  slack: {
    valid: { url: SLACK_URL, mentions: { [AUTHOR_ACCOUNT_ID]: 'U024BE7LH' } },
    // `token` (bot mode) is not in `valid`: test/contract/channels/slack-bot.contract.test.ts covers it.
    secrets: { url: 'url', token: 'header:authorization' },
    alsoValid: [
      { url: 'http://localhost:8080/slack' }, { url: SLACK_URL, name: 'team', type: 'slack' },
      { token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID },
      { token: SLACK_BOT_TOKEN, channel: 'G01ABCDEF2', apiUrl: 'http://127.0.0.1:9000/api/', url: '' },
      { token: `xoxe.${SLACK_BOT_TOKEN}`, channel: SLACK_CHANNEL_ID, apiUrl: 'https://slack.example/api' },
    ],
    invalid: [
      [{}, 'url'], [{ url: 'http://hooks.slack.com/services/x' }, 'url'], [{ url: 'not a url' }, 'url'], [{ url: 'https://u:p@hooks.slack.com/x' }, 'url'],
      [{ url: SLACK_URL, token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID }, 'url'],
      [{ url: SLACK_URL, token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID }, 'token'],
      [{ token: SLACK_BOT_TOKEN }, 'channel'],
      [{ channel: SLACK_CHANNEL_ID }, 'token'],
      [{ token: 'xoxp-1111111111-2222222222222-TestOnlyUserToken0', channel: SLACK_CHANNEL_ID }, 'token'],
      [{ token: SLACK_BOT_TOKEN, channel: '#builds' }, 'channel'],
      [{ token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID, apiUrl: 'http://slack.com/api' }, 'apiUrl'],
    ],
    classify: [
      ...generic,
      // Web API answers (https://api.slack.com/methods/chat.postMessage): HTTP 200 with `ok`.
      { status: 200, body: '{"ok":true,"channel":"C0123ABCD","ts":"1503435956.000247","message":{"text":"x"}}', kind: 'delivered', memo: { ts: '1503435956.000247', channel: 'C0123ABCD' } },
      { status: 200, body: '{"ok":false,"error":"invalid_auth"}', kind: 'disable', reasonHas: 'invalid_auth' },
      { status: 200, body: '{"ok":false,"error":"not_in_channel"}', kind: 'disable', reasonHas: '/invite' },
      { status: 200, body: '{"ok":false,"error":"message_not_found"}', kind: 'failed' },
      { status: 200, body: '{"ok":false,"error":"msg_too_long"}', kind: 'failed', reasonHas: 'msg_too_long' },
      { status: 429, body: '{"ok":false,"error":"ratelimited"}', headers: { 'Retry-After': '30' }, kind: 'retry', afterMs: 30_000 },
      { status: 403, body: 'invalid_token', kind: 'disable', reasonHas: 'invalid_token' },
      { status: 410, body: 'channel_is_archived', kind: 'disable', reasonHas: 'channel_is_archived' },
      { status: 404, body: 'no_service', kind: 'disable' },
      { status: 404, body: 'channel_not_found', kind: 'disable' },
      { status: 403, body: 'action_prohibited', kind: 'disable' },
      { status: 400, body: 'invalid_payload', kind: 'failed' },
      { status: 400, body: 'too_many_attachments', kind: 'failed' },
    ],
    allTypes: true,
  },
  teams: {
    valid: { url: TEAMS_URL, mentions: { [AUTHOR_ACCOUNT_ID]: 'jane@acme.example' } },
    secrets: { url: 'url' },
    alsoValid: [{ url: 'https://default0a1b2c3d4e5f40718293a4b5c6d7e8.f9.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/0a1b2c3d4e5f40718293a4b5c6d7e8f9/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zx8cVb4nM6Qw3rTy7uIo9pAs1dFg5hJk2l' }],
    invalid: [
      [{}, 'url'], [{ url: 'https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi' }, 'url'], [{ url: 'ftp://x.example' }, 'url'],
      // Workflows URLs without their shared access signature can never be called.
      [{ url: TEAMS_URL.replace(/&sig=[^&]+/, '') }, 'url'],
      [{ url: 'https://default0a1b2c3d4e5f40718293a4b5c6d7e8.f9.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/0a1b2c3d4e5f40718293a4b5c6d7e8f9/triggers/manual/paths/invoke?api-version=1' }, 'url'],
    ],
    classify: [...generic, { status: 404, body: 'workflow not found', kind: 'disable' }],
    allTypes: true,
  },
  'google-chat': {
    valid: { url: CHAT_URL, mentions: { [AUTHOR_ACCOUNT_ID]: '112233445566778899001' } },
    secrets: { url: 'url' },
    alsoValid: [],
    invalid: [[{}, 'url'], [{ url: 'chat.googleapis.com/v1/spaces/x' }, 'url']],
    classify: [...generic, { status: 403, body: '{"error":{"code":403}}', kind: 'disable' }, { status: 404, body: '{}', kind: 'disable' }],
    allTypes: true,
  },
  discord: {
    valid: { url: DISCORD_URL, mentions: { [AUTHOR_ACCOUNT_ID]: '80351110224678912' } },
    secrets: { url: 'url' },
    alsoValid: [{ url: DISCORD_URL, username: 'CI' }, { url: `${DISCORD_URL}?thread_id=1180000000000000099` }],
    invalid: [[{}, 'url'], [{ url: DISCORD_URL, username: 'x'.repeat(81) }, 'username']],
    classify: [
      ...generic,
      { status: 200, body: '{"id":"1180000000000000777","type":0}', kind: 'delivered', memo: { messageId: '1180000000000000777' } },
      { status: 429, body: '{"message":"You are being rate limited.","retry_after":1.5,"global":false}', kind: 'retry', afterMs: 1500 },
      { status: 429, body: '{"retry_after":2.25}', headers: { 'retry-after': '3' }, kind: 'retry', afterMs: 3000 },
      { status: 404, body: '{"message":"Unknown Webhook","code":10015}', kind: 'disable' },
      { status: 404, body: '{"message":"Unknown Message","code":10008}', kind: 'failed' },
      { status: 401, body: '{"message":"Invalid Webhook Token","code":50027}', kind: 'disable' },
    ],
    allTypes: true,
  },
  mattermost: {
    valid: { url: MATTERMOST_URL, channel: 'builds', mentions: { [AUTHOR_ACCOUNT_ID]: 'jane' } },
    secrets: { url: 'url' },
    alsoValid: [{ url: MATTERMOST_URL }],
    invalid: [[{}, 'url'], [{ url: MATTERMOST_URL, channel: 'c'.repeat(65) }, 'channel']],
    classify: [...generic, { status: 400, body: '{"id":"web.incoming_webhook.invalid.app_error","message":"Invalid webhook."}', kind: 'disable' }],
    allTypes: true,
  },
  pagerduty: {
    valid: { routingKey: ROUTING_KEY },
    secrets: { routingKey: 'body:routing_key' },
    alsoValid: [{ routingKey: ROUTING_KEY, severity: 'critical', url: 'https://events.eu.pagerduty.com/v2/enqueue' }],
    invalid: [
      [{}, 'routingKey'], [{ routingKey: 'short' }, 'routingKey'], [{ routingKey: ROUTING_KEY, severity: 'fatal' }, 'severity'],
      [{ routingKey: ROUTING_KEY, url: 'http://events.pagerduty.com/v2/enqueue' }, 'url'],
    ],
    classify: [
      ...generic,
      { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}', kind: 'delivered' },
      { status: 400, body: '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload.severity\' is missing"]}', kind: 'failed', reasonHas: 'payload.severity' },
      { status: 502, body: '', kind: 'retry' },
    ],
    allTypes: false,
  },
  opsgenie: {
    valid: { apiKey: OPSGENIE_KEY, region: 'us' },
    secrets: { apiKey: 'header:authorization' },
    alsoValid: [{ apiKey: OPSGENIE_KEY, region: 'eu', priority: 'P2' }, { apiKey: OPSGENIE_KEY, url: 'https://opsgenie-proxy.acme.example/' }],
    invalid: [[{}, 'apiKey'], [{ apiKey: OPSGENIE_KEY, region: 'ap' }, 'region'], [{ apiKey: OPSGENIE_KEY, priority: 'P9' }, 'priority'], [{ apiKey: 'has spaces in it and more' }, 'apiKey']],
    classify: [
      ...generic,
      { status: 401, body: '{"message":"Could not authenticate"}', kind: 'disable' },
      { status: 403, body: '{"message":"forbidden"}', kind: 'disable' },
      { status: 422, body: '{"message":"Request body is not processable"}', kind: 'failed' },
    ],
    allTypes: false,
  },
  'jsm-ops': {
    valid: { apiKey: JSM_KEY },
    secrets: { apiKey: 'header:authorization' },
    alsoValid: [{ apiKey: JSM_KEY, priority: 'P1' }],
    invalid: [[{}, 'apiKey'], [{ apiKey: JSM_KEY, url: 'http://api.atlassian.com/jsm' }, 'url']],
    classify: [...generic, { status: 401, body: '', kind: 'disable' }, { status: 422, body: '{}', kind: 'failed' }],
    allTypes: false,
  },
  alertops: {
    valid: { url: ALERTOPS_URL },
    secrets: { url: 'url' },
    alsoValid: [{ url: ALERTOPS_URL, severity: 'Critical' }],
    invalid: [[{}, 'url'], [{ url: ALERTOPS_URL, severity: 'urgent' }, 'severity']],
    classify: [...generic, { status: 404, body: 'Not Found', kind: 'disable' }],
    allTypes: false,
  },
  squadcast: {
    valid: { url: SQUADCAST_URL },
    secrets: { url: 'url' },
    alsoValid: [],
    invalid: [[{}, 'url'], [{ url: 'http://api.squadcast.com/v2/incidents/api/x' }, 'url']],
    classify: [...generic, { status: 404, body: '{"meta":{"status":404}}', kind: 'disable' }, { status: 413, body: 'too large', kind: 'failed' }],
    allTypes: false,
    // A repeated trigger opens another Squadcast incident: only the streak's first failure is sent.
    skips: ['still-failing'],
  },
  webhook: {
    valid: { url: WEBHOOK_URL, secret: WEBHOOK_SECRET },
    secrets: { url: 'url', secret: 'nowhere' },
    alsoValid: [{ url: WEBHOOK_URL }, { url: 'http://127.0.0.1:9000/hook', secret: '' }],
    invalid: [[{}, 'url'], [{ url: WEBHOOK_URL, secret: 'hunter2-not-a-whsec' }, 'secret'], [{ url: WEBHOOK_URL, secret: 'whsec_c2hvcnQ=' }, 'secret']],
    classify: [...generic, { status: 404, body: 'no such route', kind: 'failed' }],
    allTypes: true,
  },
};
