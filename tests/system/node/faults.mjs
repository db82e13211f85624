// Drives vsmock's faults below HTTP (and a stalled processing) through the official Node SDK.
// Usage: node faults.mjs http://127.0.0.1:PORT   (prints one JSON object on stdout)
import OpenAI, { toFile } from 'openai';
import { adminOf } from './shared.mjs';

const base = process.argv[2];
if (!base) throw new Error('usage: node faults.mjs <server url>');

const admin = adminOf(base);
const arm = (fault) => admin('POST', '/faults', fault);

const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
const retrying = client.withOptions({ maxRetries: 2 });

/** Any thrown value as plain data: its class, what it is an instance of, its cause. */
function describe(error) {
  const cause = error?.cause;
  return {
    class: error?.constructor?.name ?? typeof error,
    name: error?.name ?? null,
    message: String(error?.message ?? error),
    openai_error: error instanceof OpenAI.OpenAIError,
    api_error: error instanceof OpenAI.APIError,
    connection_error: error instanceof OpenAI.APIConnectionError,
    timeout_error: error instanceof OpenAI.APIConnectionTimeoutError,
    user_abort: error instanceof OpenAI.APIUserAbortError,
    syntax_error: error instanceof SyntaxError,
    status: error?.status ?? null,
    cause: cause
      ? {
          class: cause.constructor?.name ?? typeof cause,
          name: cause.name ?? null,
          message: String(cause.message ?? cause),
          code: cause.code ?? cause.cause?.code ?? null,
        }
      : null,
  };
}

/** What a call did: {value, ms} or {error, ms}. */
async function outcome(call) {
  const started = Date.now();
  try {
    const value = await call();
    return { value, ms: Date.now() - started };
  } catch (error) {
    return { error: describe(error), ms: Date.now() - started };
  }
}

const storeNames = async () => {
  const names = [];
  for await (const store of client.vectorStores.list()) names.push(store.name);
  return names.sort();
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// 1. drop_connection: an APIConnectionError without retries; the retries recover
await arm({ action: 'drop_connection', path_prefix: '/vector_stores', method: 'POST' });
const dropped = await outcome(() => client.vectorStores.create({ name: 'dropped' }));
const afterDrop = await storeNames();
await arm({ action: 'drop_connection', count: 2, path_prefix: '/vector_stores', method: 'POST' });
const recovered = await outcome(() => retrying.vectorStores.create({ name: 'third time' }));
const afterRecovery = await storeNames();

// 2. hang: the client's timeout fires first; another request is answered meanwhile
await arm({ action: 'hang', delay_ms: 3000, path_prefix: '/files' });
const hung = outcome(() => client.files.list(undefined, { timeout: 1000 }));
await sleep(200);
const meanwhile = await outcome(() => client.vectorStores.list());
const hang = await hung;

// 3. malformed_json: a 200 whose body is not JSON
await arm({ action: 'malformed_json', path_prefix: '/vector_stores', method: 'GET' });
const malformed = await outcome(() => client.vectorStores.list());
const afterMalformed = await outcome(() => client.vectorStores.list());

// 4. truncate_body on create: the store was made, its answer lost (with retries too:
//    the headers had arrived, so nothing is sent again)
await arm({ action: 'truncate_body', path_prefix: '/vector_stores', method: 'POST' });
const truncated = await outcome(() => client.vectorStores.create({ name: 'made, answer lost' }));
await arm({ action: 'truncate_body', path_prefix: '/vector_stores', method: 'POST' });
const truncatedRetrying = await outcome(() =>
  retrying.vectorStores.create({ name: 'made once, retries on' }),
);
const afterTruncate = await storeNames();

// 5. truncate_body after 4 events of a streamed response
await arm({ action: 'truncate_body', after_events: 4, path_prefix: '/responses' });
const request = { model: 'gpt-4.1-mini', input: 'hi', stream: true };
/** Streams a response into `types`, one event type at a time. */
async function streamInto(types) {
  for await (const event of await client.responses.create(request)) types.push(event.type);
}
const events = [];
const cut = await outcome(() => streamInto(events));
const whole = [];
const uncut = await outcome(() => streamInto(whole));

// 6. processing that never ends: the polling helpers, bounded by an AbortSignal
//    (Node's poll has no max_wait; its `signal` option interrupts the waits between reads)
const file = await client.files.create({
  file: await toFile(Buffer.from('Stalled forever, until released.'), 'stalled.txt'),
  purpose: 'assistants',
});
const store = await client.vectorStores.create({ name: 'stalled' });
await admin('POST', '/processing', { stall: true });
const createAndPoll = await outcome(() =>
  client.vectorStores.files.createAndPoll(
    store.id,
    { file_id: file.id },
    { signal: AbortSignal.timeout(400) },
  ),
);
const poll = await outcome(() =>
  client.vectorStores.files.poll(store.id, file.id, { signal: AbortSignal.timeout(300) }),
);
// … and the same bounded from outside, without a signal
const unbounded = client.vectorStores.files.poll(store.id, file.id);
const raced = await Promise.race([
  unbounded.then((value) => ({ settled: value.status })),
  sleep(300).then(() => ({ settled: null })),
]);
const stalled = await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id });
const stalledStore = await client.vectorStores.retrieve(store.id);
await admin('POST', '/processing', { stall: false });
const released = await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id });
const releasedStore = await client.vectorStores.retrieve(store.id);
const afterRelease = await outcome(() => client.vectorStores.files.poll(store.id, file.id));
const unboundedEnd = await outcome(() => unbounded); // the raced poll, still running, ends too

/** An outcome with its value reduced to what is asserted on. */
const reduced = ({ value, ms, error }, pick) => (error ? { ms, error } : { ms, ...pick(value) });
const counted = (result) => reduced(result, (page) => ({ count: page.data.length }));
const statuses = (file, store) => ({
  status: file.status,
  store: store.status,
  counts: store.file_counts,
});

console.log(
  JSON.stringify({
    drop: {
      no_retries: dropped,
      after: afterDrop,
      retries: reduced(recovered, (made) => ({ value: { id: made.id, name: made.name } })),
      after_retries: afterRecovery,
    },
    hang: { hung: hang, meanwhile: counted(meanwhile) },
    malformed: { first: malformed, second: counted(afterMalformed) },
    truncate: { no_retries: truncated, retries: truncatedRetrying, after: afterTruncate },
    stream: { events, cut, whole, uncut },
    stall: {
      store_id: store.id,
      file_id: file.id,
      create_and_poll: createAndPoll,
      poll,
      raced: { ...raced, later: reduced(unboundedEnd, (later) => ({ status: later.status })) },
      stalled: statuses(stalled, stalledStore),
      released: statuses(released, releasedStore),
      after_release: reduced(afterRelease, (polled) => ({ status: polled.status })),
    },
  }),
);
