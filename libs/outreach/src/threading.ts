import { SequenceDefinition } from './sequences.dto';

/** A step of the same enrollment sent before (or possibly sent: `uncertain`), with its Message-ID. */
export interface EarlierMessage {
  step: number;
  messageId: string;
}

/**
 * RFC 5322 section 3.6.4 threading for step `step`: In-Reply-To names the latest earlier message
 * of its thread, References all of them, oldest first. A thread starts at step 1 and at every step
 * marked `newThread`; a step that starts one carries neither header.
 */
export function threadHeaders(steps: SequenceDefinition['steps'], step: number, earlier: EarlierMessage[]): Record<string, string> {
  let start = 1;
  for (let n = step; n > 1; n -= 1) {
    if (steps[n - 1]?.newThread) {
      start = n;
      break;
    }
  }
  const thread = earlier
    .filter((m) => m.step >= start && m.step < step)
    .sort((a, b) => a.step - b.step)
    .map((m) => m.messageId);
  if (!thread.length) return {};
  return { 'In-Reply-To': thread[thread.length - 1], References: thread.join(' ') };
}
