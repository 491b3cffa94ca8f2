import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const RULE = 'no-restricted-imports';

/** The layering rule that the repo's own eslint.config.js applies to `file` (none for test/ …). */
export async function repoLayering(root: string, file: string): Promise<Linter.Config[]> {
  const config = (await new ESLint({ cwd: root }).calculateConfigForFile(file)) as Linter.Config;
  const rule = config.rules?.[RULE];
  if (rule === undefined) return [];
  return [{ files: [file], rules: { [RULE]: rule } }];
}

/**
 * Lints `code` as if it were written in `file` (a path from the repo root) and returns the
 * layering messages. Only the layering rule runs, so no type information is needed.
 */
export function layeringBreaks(root: string, configs: Linter.Config[], file: string, code: string): string[] {
  const linter = new Linter({ cwd: root });
  const messages = linter.verify(
    code,
    [{ files: ['**/*'], languageOptions: { parser: tseslint.parser } }, ...configs],
    { filename: `${root}/${file}` },
  );
  const fatal = messages.filter((message) => message.fatal === true);
  if (fatal.length > 0) throw new Error(`probe did not parse: ${fatal.map((message) => message.message).join('; ')}`);
  return messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
}
