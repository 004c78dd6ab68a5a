import path from 'node:path';
import { defineConfig, searchForWorkspaceRoot } from 'vite';
import react from '@vitejs/plugin-react';

// The shared resolver contract lives outside this package (src/shared/contract.ts at the repo root).
const sharedDir = path.resolve(__dirname, '../../src/shared');

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: Forge serves the resource from its CDN and the local runtime serves it under
  // /repos/:repoKey/settings/, so no absolute base works for both.
  base: './',
  build: {
    outDir: 'build',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // manifest.yml `resources[].tunnel.port`
    port: 3000,
    strictPort: true,
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), sharedDir] },
  },
});
