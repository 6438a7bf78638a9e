import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LockedApplication, Stage } from './pipeline';

/** Why a gate holds a move back: a stable code, a sentence for people, and the facts the problem adds. */
export interface GateRefusal {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** Judges a move inside its transaction; null lets it pass. */
export type StageGate = (tx: EntityManager, application: LockedApplication, from: Stage, to: Stage) => Promise<GateRefusal | null>;

/**
 * Checks that other libraries hang on moves into a stage (interviews: the scorecards an offer
 * needs), registered when their module starts, so this library depends on none of them. A move a
 * gate refuses is a 422 with the gate's code, unless the move carries an override with a reason.
 */
@Injectable()
export class StageGates {
  private readonly gates = new Map<Stage, StageGate[]>();

  register(to: Stage, gate: StageGate): void {
    this.gates.set(to, [...(this.gates.get(to) ?? []), gate]);
  }

  /** The refusals of the gates on `to`, in the order they were registered. */
  async check(tx: EntityManager, application: LockedApplication, from: Stage, to: Stage): Promise<GateRefusal[]> {
    const refusals: GateRefusal[] = [];
    for (const gate of this.gates.get(to) ?? []) {
      const refusal = await gate(tx, application, from, to);
      if (refusal) refusals.push(refusal);
    }
    return refusals;
  }
}
