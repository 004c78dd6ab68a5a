/**
 * One App per warm Forge instance: ports and caches are built on the first invocation and reused
 * by later ones (module state survives between invocations of a warm container).
 */
import type { App } from '../../app/app-types';
import { createApp } from '../../app/create-app';
import { createForgeDeps } from './ports';

let app: App | null = null;

export function getForgeApp(): App {
  app ??= createApp(createForgeDeps());
  return app;
}

/** Supplies the App handlers use; each handler module takes one so tests can pass a fake. */
export type AppProvider = () => App;
