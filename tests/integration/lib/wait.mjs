// Waiting in tests, in one place. `until` polls a condition (sync or async) and fails naming what
// it waited for; `sleep` is for pacing what a test does (a slow client, a rate measured over a
// second), never for deciding that nothing else happened: for that, wait for evidence that the
// recorder looked (RecorderProcess.waitForPasses, the stand-in's call log).
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Deadlines are stretched by AR_TIME_SCALE (set by ctest: 4 under the sanitizers, whose binary is
// several times slower), so they name a hang and never a loaded machine.
export const TIME_SCALE = Number(process.env.AR_TIME_SCALE ?? 1) || 1;

export async function until(condition, what, timeoutMs = 5000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs * TIME_SCALE;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
