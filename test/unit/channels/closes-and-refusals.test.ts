/**
 * Issues "Every incident closes" and "Inbound trust": what Opsgenie/JSM answers to a close and to a
 * refused key, and how a Mattermost server's "too long" answer reads.
 */
import { CHANNELS } from '../../../src/core/channels/registry';
import type { HttpResponse } from '../../../src/core/ports';

const res = (status: number, body = '', headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body });

describe('Opsgenie / JSM close: accepted asynchronously', () => {
  // https://docs.opsgenie.com/docs/alert-api: action requests are answered 202; only the request
  // status says later whether the alert existed ("Alert does not exist").
  test.each(['opsgenie', 'jsm-ops'] as const)('%s: a 202 to a close is delivered, with no claim about what was open', (type) => {
    const outcome = CHANNELS[type].classify(res(202, '{"result":"Request will be processed","took":0.0,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}'));
    expect(outcome).toEqual({ kind: 'delivered' });
  });
});

describe('JSM refusals say what to do', () => {
  test('401 for the key: disable, naming the API integration key to check', () => {
    const outcome = CHANNELS['jsm-ops'].classify(res(401, '{"message":"Could not authenticate","took":0.001}'));
    expect(outcome.kind).toBe('disable');
    expect('reason' in outcome && outcome.reason).toMatch(/^JSM refused the integration key \(HTTP 401: .*Could not authenticate.*\): check it is the API key of an "API" integration/);
  });

  test('403 40301 (a key of another integration type): disable, and says so', () => {
    const outcome = CHANNELS['jsm-ops'].classify(res(403, '{"code":40301,"message":"To perform this action, use an API key from an API integration.","took":0.001}'));
    expect(outcome.kind).toBe('disable');
    expect('reason' in outcome && outcome.reason).toMatch(/it is not the key of an API integration/);
  });

  test('403 naming Forge or OAuth: disable, saying a new key will not help', () => {
    for (const body of ['{"message":"Forge and OAuth2 apps cannot access this REST resource."}', '{"message":"OAuth 2.0 is not enabled for this method."}']) {
      const outcome = CHANNELS['jsm-ops'].classify(res(403, body));
      expect(outcome.kind).toBe('disable');
      expect('reason' in outcome && outcome.reason).toMatch(/came from a Forge app.*a new key will not help/);
    }
  });

  test('Opsgenie keeps its own wording', () => {
    const outcome = CHANNELS.opsgenie.classify(res(403, '{"code":40301,"message":"To perform this action, use an API key from an API integration."}'));
    expect(outcome.kind).toBe('disable');
    expect('reason' in outcome && outcome.reason).toMatch(/^Opsgenie refused the API key \(HTTP 403.*it is not the key of an API integration.*region/);
  });

  test('the reason never carries the key, even when echoed', () => {
    const key = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
    const outcome = CHANNELS['jsm-ops'].classify(res(401, `{"message":"Key ${key} is invalid"}`));
    expect('reason' in outcome && outcome.reason).not.toContain(key);
  });
});

describe('Mattermost: a server that refuses the post as too long', () => {
  test.each([
    // 5.x and older (https://github.com/mattermost/mattermost/issues/14207)
    ['attachments over the 5.x limit', '{"id":"web.incoming_webhook.attachment.app_error","message":"Maximum attachments length is 7900 characters, received size is 8036","detailed_error":"","status_code":400}', /its limit is 7900 characters/],
    ['props that cannot be split', '{"id":"web.incoming_webhook.split_props_length.app_error","message":"Unable to split webhook props into 8000 character parts.","status_code":400}', /its limit is 8000 characters/],
    ['props over the post limit', '{"id":"model.post.is_valid.props.app_error","message":"Invalid props.","status_code":400}', /model\.post\.is_valid\.props\.app_error\)/],
    ['the message over MaxPostSize', '{"id":"model.post.is_valid.message_length.app_error","message":"Post Message property is longer than the maximum permitted length.","status_code":400}', /shorter message/],
    ['an old server\'s message limit', '{"id":"model.post.is_valid.msg.app_error","message":"Invalid Message","status_code":400}', /shorter message/],
  ])('%s: failed, with a clear reason', (_name, body, detail) => {
    const outcome = CHANNELS.mattermost.classify(res(400, body));
    expect(outcome.kind).toBe('failed');
    const reason = 'reason' in outcome ? outcome.reason : '';
    expect(reason).toMatch(/^HTTP 400: Mattermost refused the post as too long/);
    expect(reason).toMatch(detail);
  });

  test('other 400s are unchanged: an invalid hook still disables, a plain 400 fails as before', () => {
    expect(CHANNELS.mattermost.classify(res(400, '{"id":"web.incoming_webhook.invalid.app_error","message":"Invalid webhook."}')).kind).toBe('disable');
    const plain = CHANNELS.mattermost.classify(res(400, '{"id":"web.incoming_webhook.parse.app_error","message":"Unable to parse incoming data."}'));
    expect(plain.kind).toBe('failed');
    expect('reason' in plain && plain.reason).not.toMatch(/too long/);
  });
});
