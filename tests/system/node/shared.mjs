// What the Node checks share: the admin routes, and the support FAQ in a processed store.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toFile } from 'openai';

/** A caller of the admin routes of the vsmock at `base` (JSON in, JSON out; throws on an error). */
export function adminOf(base) {
  return async function admin(method, path, body) {
    const response = await fetch(`${base}/__admin${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
}

/** The Markdown files of `docs`, uploaded, in a new store `name` whose files are processed. */
export async function faqStore(client, docs, name) {
  const names = (await readdir(docs)).filter((file) => file.endsWith('.md')).sort();
  const files = [];
  for (const file of names) {
    const data = await readFile(join(docs, file));
    files.push(await client.files.create({ file: await toFile(data, file), purpose: 'assistants' }));
  }
  const vs = await client.vectorStores.create({ name });
  const batch = await client.vectorStores.fileBatches.createAndPoll(vs.id, {
    file_ids: files.map((file) => file.id),
  });
  const store = await client.vectorStores.retrieve(vs.id);
  return { files, vs, batch, store };
}
