import { DomainEventPayloads, NewDomainEvent, OutreachEnrollmentData } from '@app/platform';

/** The ids an outreach event carries about its enrollment, as the enrollments table holds them. */
export interface EnrollmentRefs {
  id: string;
  sequence_id: string;
  candidate_id: string;
  application_id: string;
  task_force_id: string;
}

/** An outreach event about one enrollment (and, for a step's events, the step), scoped to its task force. */
export function enrollmentEvent<T extends 'outreach.enrollment_stopped' | 'outreach.reply_received' | 'outreach.unsubscribed'>(
  type: T,
  e: EnrollmentRefs,
  actorId: string | null,
  extra: Omit<DomainEventPayloads[T], keyof OutreachEnrollmentData>,
): NewDomainEvent {
  return {
    type,
    actorId,
    taskForceId: e.task_force_id,
    candidateId: e.candidate_id,
    payload: {
      enrollmentId: e.id,
      sequenceId: e.sequence_id,
      candidateId: e.candidate_id,
      applicationId: e.application_id,
      taskForceId: e.task_force_id,
      ...extra,
    },
  } as NewDomainEvent;
}

/** An event about one step of an enrollment. */
export function stepEvent(
  type: 'outreach.step_sent' | 'outreach.step_bounced' | 'outreach.step_uncertain',
  e: EnrollmentRefs,
  outreachMessageId: string,
  step: number,
): NewDomainEvent {
  return {
    type,
    actorId: null,
    taskForceId: e.task_force_id,
    candidateId: e.candidate_id,
    payload: {
      outreachMessageId,
      step,
      enrollmentId: e.id,
      sequenceId: e.sequence_id,
      candidateId: e.candidate_id,
      applicationId: e.application_id,
      taskForceId: e.task_force_id,
    },
  };
}
