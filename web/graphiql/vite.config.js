// GraphiQL's own build: web/dist/graphiql (the web app's build writes web/dist first; this one
// only its folder), served at /graphiql/ by pheme serve and opened by GET /graphql in a browser.
import { createHash } from 'node:crypto';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// GraphiQL's stylesheet embeds its fonts as data: URLs, which the static files' CSP refuses
// (font-src falls back to default-src 'self'): each becomes a file of its own next to the CSS.
function fontsAsFiles() {
  return {
    name: 'pheme-fonts-as-files',
    generateBundle(_, bundle) {
      for (const a of Object.values(bundle)) {
        if (a.type !== 'asset' || !a.fileName.endsWith('.css')) continue;
        a.source = String(a.source).replace(/url\((["']?)data:font\/([\w+.-]+);base64,([A-Za-z0-9+/=]+)\1\)/g, (m, q, type, b64) => {
          const data = Buffer.from(b64, 'base64');
          const ext = type.replace(/[^a-z0-9]/g, '');
          const name = `font-${createHash('sha256').update(data).digest('hex').slice(0, 16)}.${ext}`;
          if (!bundle[`assets/${name}`]) this.emitFile({ type: 'asset', fileName: `assets/${name}`, source: data });
          return `url(./${name})`;
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), fontsAsFiles()],
  base: '/graphiql/',
  css: { postcss: {} }, // not the web app's Tailwind config one folder up
  build: {
    outDir: '../dist/graphiql',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
  },
});
