/*
 * Local stand-in for the Forge Custom UI host. @forge/bridge reaches its host only through
 * `globalThis.__bridge.callBridge(name, payload)` (see node_modules/@forge/bridge/out/bridge.js), and
 * reads that global when its modules load, so this file must run before the app bundle. It lets the
 * very bundle deployed to Forge run against the local runtime:
 *   invoke(key, payload) -> POST /api/resolvers/<key> {payload, extension} -> ResolverResponse JSON
 *   getContext()         -> accountId, moduleKey and extension derived from the page URL
 * Everything else resolves harmlessly. Plain ES2017, no imports: served as-is at /__local/bridge-shim.js.
 */
(function () {
  'use strict';

  var path = window.location.pathname;
  var repoMatch = /\/repos\/([^/]+)\/settings(?:\/|$)/.exec(path);
  var wsMatch = /\/workspaces\/([^/]+)\/settings(?:\/|$)/.exec(path);
  var UUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

  function decode(s) {
    try {
      return decodeURIComponent(s);
    } catch (e) {
      return s;
    }
  }

  /** The Forge extension context: a repository from /repos/<key>/settings, a workspace from /workspaces/<ws>/settings. */
  function extensionFromUrl() {
    if (repoMatch) {
      var key = decode(repoMatch[1]);
      var repository = { uuid: key };
      // A "workspace/repo" key is a full name; the local server resolves either form.
      if (key.indexOf('/') > 0 && !UUID.test(key)) repository.fullName = key;
      return { type: 'bitbucket:repoSettingsMenuPage', repository: repository };
    }
    if (wsMatch) {
      var ws = decode(wsMatch[1]);
      return { type: 'bitbucket:workspaceSettingsMenuPage', workspace: UUID.test(ws) ? { uuid: ws } : { slug: ws } };
    }
    return { type: 'bitbucket:repoSettingsMenuPage' };
  }

  // The local server may print what it knows (the stored uuid and full name for a repository key)
  // as window.__BUILD_ALERTS_CONTEXT__ before this script; the URL is the fallback.
  var given = window.__BUILD_ALERTS_CONTEXT__ && typeof window.__BUILD_ALERTS_CONTEXT__ === 'object' ? window.__BUILD_ALERTS_CONTEXT__ : null;
  var extension = given && given.extension ? given.extension : extensionFromUrl();
  var moduleKey = given && given.moduleKey ? given.moduleKey : wsMatch && !repoMatch ? 'workspace-settings' : 'repo-settings';
  var accountId = given && given.accountId ? given.accountId : 'local-admin';

  function context() {
    var tz = 'UTC';
    try {
      tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch (e) {
      /* keep UTC */
    }
    return {
      accountId: accountId,
      cloudId: 'local',
      localId: 'local-' + moduleKey,
      moduleKey: moduleKey,
      environmentType: 'DEVELOPMENT',
      environmentId: 'local',
      locale: navigator.language || 'en-US',
      timezone: tz,
      siteUrl: window.location.origin,
      extension: extension,
    };
  }

  function internalError(message) {
    return { ok: false, error: { code: 'internal', message: message } };
  }

  function invoke(payload) {
    var functionKey = payload && payload.functionKey;
    // Same-origin JSON: the server refuses resolvers called with another Content-Type or Origin (CSRF).
    return fetch('/api/resolvers/' + encodeURIComponent(functionKey), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: (payload && payload.payload) || {}, extension: extension }),
    }).then(
      function (res) {
        if (res.status === 401) {
          // The admin session ended (BUILD_ALERTS_ADMIN_TOKEN): sign in again, then come back here.
          window.location.assign('/login?next=' + encodeURIComponent(window.location.pathname + window.location.search));
          return internalError('Signed out: sign in again.');
        }
        return res.text().then(function (text) {
          try {
            return JSON.parse(text);
          } catch (e) {
            return internalError('The local server answered ' + res.status + ' without JSON.');
          }
        });
      },
      function () {
        return internalError('The local server is not reachable.');
      },
    );
  }

  function notAvailable(payload) {
    // Shape of a fetchProduct/fetchRemote answer, so requestBitbucket() yields a Response (501).
    return { body: JSON.stringify({ error: 'Not available in the local runtime' }), headers: { 'content-type': 'application/json' }, status: 501, statusText: 'Not Implemented', isAttachment: false, request: payload };
  }

  var handlers = {
    invoke: invoke,
    getContext: function () {
      return context();
    },
    // No host theming here: the app sees no data-color-mode and loads the Atlassian themes itself.
    enableTheming: function () {
      return undefined;
    },
    changeWindowTitle: function (title) {
      if (typeof title === 'string') document.title = title;
    },
    fetchProduct: notAvailable,
    fetchRemote: notAvailable,
    navigate: function (p) {
      var url = p && p.url;
      if (typeof url !== 'string') return;
      if (p.type === 'new-tab') window.open(url, '_blank', 'noopener');
      else window.location.assign(url);
    },
    reload: function () {
      window.location.reload();
    },
    getUrl: function (location) {
      return new URL(typeof location === 'string' ? location : '/', window.location.origin);
    },
    on: function () {
      return { unsubscribe: function () {} };
    },
    onPublic: function () {
      return { unsubscribe: function () {} };
    },
    subscribeRealtimeChannel: function () {
      return { unsubscribe: function () {} };
    },
    getCookieConsentPreferences: function () {
      return null;
    },
    isRovoEnabled: function () {
      return false;
    },
    initFeatureFlags: function () {
      return {};
    },
  };

  function callBridge(name, payload) {
    var handler = handlers[name];
    try {
      return Promise.resolve(handler ? handler(payload) : undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  window.__bridge = { callBridge: callBridge };
  window.__buildAlertsLocal = { extension: extension, moduleKey: moduleKey };
})();
