import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `pheme serve --web-root web/dist` serves the build; /assets/* is cached for a year, so every
// file there carries a content hash. In development, API calls go to a running `pheme serve`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    port: 5173,
    proxy: {
      "/api": process.env.PHEME_API ?? "http://127.0.0.1:4600",
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
