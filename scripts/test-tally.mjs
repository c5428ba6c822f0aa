// A node:test reporter that writes one JSON line per finished test or suite (name, file, outcome, skip
// reason). scripts/test.mjs runs it beside the spec reporter to count each layer's tests and to fail a CI
// run that skipped anything.
export default async function* tally(source) {
  for await (const ev of source) {
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    const d = ev.data;
    yield JSON.stringify({
      name: d.name,
      file: d.file ?? null,
      suite: d.details?.type === 'suite',
      failed: ev.type === 'test:fail',
      skip: d.skip === undefined || d.skip === false ? null : d.skip === true ? 'no reason given' : String(d.skip),
      todo: d.todo !== undefined && d.todo !== false,
    }) + '\n';
  }
}
