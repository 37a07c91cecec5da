// Where the browser part finds Debian's Chromium (never a downloaded browser). Kept apart so the orchestrator can
// check for it without loading playwright-core.
export const CHROMIUM_PATH = '/usr/bin/chromium';
