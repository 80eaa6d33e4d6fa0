import { defineConfig } from 'vite'

// The explorer and its embeds: two pages, one bundle graph. Everything lands in dist/ as files (no
// data: URIs, no inline scripts or styles), so the pages run under a CSP that allows 'self' alone.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // Every browser that runs module scripts and that the explorer targets supports modulepreload.
    modulePreload: { polyfill: false },
    rollupOptions: { input: { explorer: 'index.html', embed: 'embed.html' } }
  }
})
