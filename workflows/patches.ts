/**
 * How workflow code changes while subscriptions run (README: Upgrading workflow code).
 *
 * The subscription core was restructured (a pure model and a new loop): `core_version` in the workflow input says
 * which code a run belongs to. A run whose input has none (started or continued by the code before) replays and
 * finishes its cycle in the frozen copy in workflows/legacy/, whose continue-as-new starts this version; the
 * fixtures test/fixtures/histories/v1-*.json replay that path. An input field rather than patched(): patched()
 * upserts the TemporalChangeVersion search attribute in every run, a billed action on every happy cycle.
 */
export const CORE_VERSION = 2;

/** patched() ids of later changes, each naming the fixture that replays the path before it. */
export const PATCH = {} as const;
