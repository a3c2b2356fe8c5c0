// Every sentence a person reads comes from the string catalogue (strings.ts), so that the app can be
// translated in one file. This reads the source of every page and component with TypeScript's own
// parser and fails on words written in the markup: text between tags, a user-facing attribute
// (aria-label, title, placeholder, alt, label) or a string or template literal rendered as a child.
// Symbols and punctuation ("·", "✕", "—", "#", "%") are not words and pass.
import ts from "typescript";
import { describe, expect, it } from "vitest";

// every page and component, as source text (Vite reads them at test time)
const SOURCES = import.meta.glob(["./pages/*.tsx", "./components/*.tsx", "./App.tsx"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const FILES = Object.keys(SOURCES).sort();
/** Names and formats, not words to translate. */
const ALLOWED = new Set(["PHEME", "phk_…"]);

const WORDS = /[A-Za-z]{2,}/;
const SHOWN_ATTRIBUTES = new Set(["aria-label", "title", "placeholder", "alt", "label", "aria-valuetext", "aria-roledescription", "term", "sub"]);

/** Literal text in the markup of one file: [line, text] pairs. */
export function literals(file: string, source: string): [number, string][] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const out: [number, string][] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const flag = (n: ts.Node, text: string) => {
    if (WORDS.test(text) && !ALLOWED.has(text.trim())) out.push([line(n), text.trim()]);
  };
  // string and template literals that end up as the value itself (not an argument of a call, not
  // a key or a comparison): `{"Save"}`, `{busy ? "Saving…" : t.save}`, `{`${n} steps`}`
  const shown = (e: ts.Expression | undefined): void => {
    if (!e) return;
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) flag(e, e.text);
    else if (ts.isTemplateExpression(e)) flag(e, [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(" "));
    else if (ts.isParenthesizedExpression(e)) shown(e.expression);
    else if (ts.isConditionalExpression(e)) {
      shown(e.whenTrue);
      shown(e.whenFalse);
    } else if (ts.isBinaryExpression(e) && [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.AmpersandAmpersandToken].includes(e.operatorToken.kind)) {
      if (e.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) shown(e.left);
      shown(e.right);
    }
  };
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n)) flag(n, n.text);
    else if (ts.isJsxExpression(n) && n.parent && (ts.isJsxElement(n.parent) || ts.isJsxFragment(n.parent))) shown(n.expression);
    else if (ts.isJsxAttribute(n) && SHOWN_ATTRIBUTES.has(n.name.getText(sf)) && n.initializer) {
      if (ts.isStringLiteral(n.initializer)) flag(n.initializer, n.initializer.text);
      else if (ts.isJsxExpression(n.initializer)) shown(n.initializer.expression);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe("the string catalogue", () => {
  it("finds literal words in markup (the check itself)", () => {
    const found = literals(
      "x.tsx",
      `const a = <p title="Open it" className="text-sm">Hello {n} <b>{busy ? "Saving…" : t.save}</b>{\`\${n} steps\`}{t.ok} · ✕ {"—"}<i aria-label={t.x} /></p>;`,
    ).map(([, s]) => s);
    expect(found).toEqual(["Open it", "Hello", "Saving…", " steps"].map((s) => s.trim()));
  });

  it("reads every page and component", () => {
    expect(FILES.filter((f) => f.startsWith("./pages/")).length).toBeGreaterThanOrEqual(18);
  });

  it.each(FILES)("%s renders no words that are not in strings.ts", (file) => {
    const found = literals(file, SOURCES[file]);
    expect(found.map(([l, s]) => `${file}:${l}: ${s}`)).toEqual([]);
  });
});
