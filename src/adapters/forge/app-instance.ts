/**
 * One App per warm Forge instance: ports and caches are built on the first invocation and reused
 * by later ones (module state survives between invocations of a warm container).
 */
import type { App } from '../../app/app-types';
import { createApp } from '../../app/create-app';
import { createForgeDeps } from './ports';

let app: App | null = null;

/**
 * The local runtime hosts the manifest's handlers with its own ports (LMDB, durable queue): it
 * provides its App here before calling them, so the handler code is the same one Forge runs.
 */
export function provideApp(instance: App): void {
  app = instance;
}

export function getForgeApp(): App {
  app ??= createApp(createForgeDeps());
  return app;
}

/** Supplies the App handlers use; each handler module takes one so tests can pass a fake. */
export type AppProvider = () => App;
