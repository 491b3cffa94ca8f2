import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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
    // The root is named: once a scratch copy's config has loaded, typescript-eslint knows two.
    [{ files: ['**/*'], languageOptions: { parser: tseslint.parser, parserOptions: { tsconfigRootDir: root } } }, ...configs],
    { filename: `${root}/${file}` },
  );
  const fatal = messages.filter((message) => message.fatal === true);
  if (fatal.length > 0) throw new Error(`probe did not parse: ${fatal.map((message) => message.message).join('; ')}`);
  return messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
}

/** What eslint.config.js reads: the config, its layering table and the files that feed them. */
const LINT_SETUP = ['eslint.config.js', 'eslint-layering.js', 'package.json', 'tsconfig.json'];

/**
 * The first source file directly in `folder` (a path from the repo root), or a new `probe.ts`
 * there when the folder has none, so that a case names a folder, not a file a refactor may move.
 */
export async function sourceIn(root: string, folder: string): Promise<{ file: string; code: string }> {
  const names = await readdir(join(root, folder)).catch(() => [] as string[]);
  const name = names.filter((entry) => /\.(ts|js)$/.test(entry) && !entry.endsWith('.d.ts')).sort()[0];
  if (name === undefined) return { file: `${folder}/probe.ts`, code: 'export const probe = 1;\n' };
  return { file: `${folder}/${name}`, code: await readFile(join(root, folder, name), 'utf8') };
}

/**
 * Lints `files` (path from the root → text) in a scratch copy of the repo's lint set-up, as
 * `npm run lint` would: ESLint loads the copied eslint.config.js itself, type-aware rules and
 * all. node_modules is linked, not copied. Returns the results of the written files.
 */
export async function lintScratch(root: string, files: Record<string, string>): Promise<ESLint.LintResult[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'stead-layering-'));
  try {
    await symlink(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    for (const name of LINT_SETUP) await copyFile(join(root, name), join(scratch, name));
    for (const [file, code] of Object.entries(files)) {
      await mkdir(dirname(join(scratch, file)), { recursive: true });
      await writeFile(join(scratch, file), code);
    }
    const results = await new ESLint({ cwd: scratch }).lintFiles(['.']);
    return results.map((result) => ({ ...result, filePath: relative(scratch, result.filePath) }));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
