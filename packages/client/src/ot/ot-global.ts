/** The entry of dist/stagepass-ot.min.js, a classic script: sets the global `OT`, as opentok.min.js does. */
import { OT } from './index.js';

(globalThis as { OT?: typeof OT }).OT = OT;
