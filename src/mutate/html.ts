/**
 * `--html`: one self-contained file, the JSON report shown by mutation-testing-elements (the
 * web component of Stryker's HTML report), its script inlined: open it anywhere, upload it as
 * a CI artifact.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MutationReportJson } from './report.js';

export function toHtml(report: MutationReportJson): string {
  const require = createRequire(import.meta.url);
  const script = readFileSync(require.resolve('mutation-testing-elements/mutation-test-elements.js'), 'utf8');
  // `<` inside the JSON as \u003c: no string of the report can close the <script> element
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>pg-rls-test mutation report</title>
  <script>${script.replace(/<\/script/gi, '<\\/script')}</script>
</head>
<body>
  <mutation-test-report-app title-postfix="pg-rls-test">
    Your browser does not support custom elements; open this report in a current browser.
  </mutation-test-report-app>
  <script>
    const app = document.querySelector('mutation-test-report-app');
    app.report = ${data};
    const theme = () => { document.body.style.backgroundColor = app.themeBackgroundColor; };
    app.addEventListener('theme-changed', theme);
    theme();
  </script>
</body>
</html>
`;
}
