/** @type {import('tailwindcss').Config} */
import colors from "tailwindcss/colors";
import plugin from "tailwindcss/plugin";

// Dark mode without a `dark:` twin on every class: each palette the app uses is a set of CSS
// variables, and the dark theme mirrors it (shade 50 takes 950's colour, 100 takes 900's, …; white
// becomes the surface colour). Contrast pairs chosen for the light theme stay pairs in the dark one,
// and axe checks both. The theme is `.dark` on <html>, or the system's when neither `.dark` nor
// `.light` is set (src/theme.ts).
const brand = {
  50: "#eef2ff",
  100: "#e0e7ff",
  200: "#c7d2fe",
  300: "#a5b4fc",
  400: "#818cf8",
  500: "#6366f1",
  600: "#4f46e5",
  700: "#4338ca",
  800: "#3730a3",
  900: "#312e81",
  950: "#1e1b4b",
};
const palettes = { slate: colors.slate, brand, red: colors.red, amber: colors.amber, emerald: colors.emerald, violet: colors.violet, sky: colors.sky, pink: colors.pink };
const shades = ["50", "100", "200", "300", "400", "500", "600", "700", "800", "900", "950"];
const mirror = { 50: "950", 100: "900", 200: "800", 300: "700", 400: "500", 500: "400", 600: "300", 700: "200", 800: "100", 900: "50", 950: "50" };

const rgb = (hex) => {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)).join(" ");
};

function vars(dark) {
  const out = {};
  for (const [name, p] of Object.entries(palettes))
    for (const s of shades) out[`--c-${name}-${s}`] = rgb(p[dark ? mirror[s] : s]);
  out["--c-white"] = dark ? rgb("#0b1222") : "255 255 255";
  return out;
}

const themed = Object.fromEntries(
  Object.keys(palettes).map((name) => [name, Object.fromEntries(shades.map((s) => [s, `rgb(var(--c-${name}-${s}) / <alpha-value>)`]))]),
);

export default {
  content: ["./index.html", "./src/**/*.{ts,tsx}"],
  theme: {
    extend: {
      fontFamily: {
        sans: [
          "Inter",
          "ui-sans-serif",
          "system-ui",
          "-apple-system",
          "Segoe UI",
          "Roboto",
          "Helvetica Neue",
          "Arial",
          "sans-serif",
        ],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
      },
      colors: { ...themed, white: "rgb(var(--c-white) / <alpha-value>)" },
    },
  },
  plugins: [
    plugin(({ addBase }) => {
      addBase({
        ":root": { ...vars(false), colorScheme: "light" },
        ":root.dark": { ...vars(true), colorScheme: "dark" },
        "@media (prefers-color-scheme: dark)": { ":root:not(.light)": { ...vars(true), colorScheme: "dark" } },
      });
    }),
  ],
};
