import { ExceptionCodes } from './ot-errors.js';
import type { ExceptionEvent } from './ot-event-types.js';
import { OTEventEmitter, createEvent } from './ot-events.js';

/** The events of `OT` itself. */
export interface OTGlobalEvents {
  exception: ExceptionEvent;
}

/** `OT.on('exception', …)`: failures not tied to a call the page made (a WebRTC negotiation that failed). */
export class OTExceptions extends OTEventEmitter<OTGlobalEvents> {
  /** @internal */
  negotiationFailed(error: unknown, publisherSide: boolean): void {
    const message = error instanceof Error ? error.message : String(error);
    this.dispatch(
      createEvent('exception', this as unknown, {
        code: publisherSide
          ? ExceptionCodes.PUBLISHER_ICE_WORKFLOW_FAILED
          : ExceptionCodes.SUBSCRIBER_ICE_WORKFLOW_FAILED,
        title: publisherSide ? 'Publisher ICEWorkflow failed' : 'Subscriber ICEWorkflow failed',
        message,
      }),
    );
  }
}

/** @internal The one emitter behind `OT.on`, `OT.once`, `OT.off`. */
export const otExceptions = new OTExceptions();
