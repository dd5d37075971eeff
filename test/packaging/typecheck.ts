/**
 * Type-checks a fixture project the way `tsc -p` with `skipLibCheck: false` judges *this* package:
 * every diagnostic of the project's own files and of node_modules/pg-rls-test's declaration files
 * (an error inside our .d.ts counts). Other libraries' declaration files (Vitest's, Jest's,
 * Node's, TypeScript's lib) are not checked: their errors are not ours, and checking them costs
 * about 5 s per project. `npx tsc -p <project>` in the consumer folder gives the full picture.
 */
import { dirname } from 'node:path';
import ts from 'typescript';

export function typeCheck(tsconfig: string): string {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, configFileParsingDiagnostics: parsed.errors });
  const judged = program.getSourceFiles().filter((f) => !f.fileName.includes('/node_modules/') || f.fileName.includes('/node_modules/pg-rls-test/'));
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...judged.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dirname(tsconfig), getNewLine: () => '\n' });
}
