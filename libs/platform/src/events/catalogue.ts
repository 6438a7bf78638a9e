/**
 * Every domain event: its name, the version of its payload, and the payload. Payloads carry ids
 * and the facts of the change (stages, reasons as codes, versions), never names, addresses or
 * free text: a subscriber that needs the person reads them through the API, where scoping and
 * erasure apply. A payload that changes shape gets a new version; consumers see `version`.
 */
export interface DomainEventPayloads {
  'candidate.created': { candidateId: string; source: string; ownerId: string | null };
  /** `fields` names what changed (API field names), never the values. */
  'candidate.updated': { candidateId: string; fields: string[] };
  /**
   * The duplicate was merged into the keeper (`candidateId`); its applications and notes moved. The
   * moved applications are not named: readers who see the keeper may not see all of them (each has
   * its own task force), and their moves are what `GET /v1/applications?candidateId=` shows.
   */
  'candidate.merged': { candidateId: string; mergedCandidateId: string };
  'candidate.erased': { candidateId: string };
  'candidate.opted_out': { candidateId: string; via: 'api' | 'unsubscribe' };

  'application.created': { applicationId: string; candidateId: string; taskForceId: string; openingId: string | null };
  'application.stage_changed': {
    applicationId: string;
    candidateId: string;
    taskForceId: string;
    from: string;
    to: string;
    reason: string | null;
    version: number;
  };
  'application.hired': { applicationId: string; candidateId: string; taskForceId: string; openingId: string | null };
  'application.rejected': { applicationId: string; candidateId: string; taskForceId: string; reason: string };
  'application.withdrawn': { applicationId: string; candidateId: string; taskForceId: string; reason: string };

  'offer.drafted': OfferEventData;
  'offer.submitted': OfferEventData;
  'offer.approved': OfferEventData;
  /** An admin sent a pending offer back to draft. */
  'offer.approval_rejected': OfferEventData;
  /** An approved or sent offer needs approval again: edited out of band, or a new rate moved it out of band. */
  'offer.returned_for_approval': OfferEventData & { cause: 'edited' | 'rate_changed' };
  'offer.sent': OfferEventData;
  'offer.accepted': OfferEventData;
  'offer.declined': OfferEventData;
  'offer.expired': OfferEventData;
  'offer.withdrawn': OfferEventData;

  'salary_band.version_created': { bandId: string; version: number; jobFamily: string; level: string; zone: string; currency: string };
  'fx_rate.set': { base: string; quote: string; asOf: string; rate: string };

  'sequence.version_created': { sequenceId: string; version: number; taskForceId: string };
  /** SMTP accepted the step's message. */
  'outreach.step_sent': OutreachStepData;
  /** The recipient's address was refused, at SMTP or by a bounce report: never mailed again. */
  'outreach.step_bounced': OutreachStepData;
  /** Whether SMTP took the message is unknown (a sender died or lost its connection mid-send); never resent by itself. */
  'outreach.step_uncertain': OutreachStepData;
  'outreach.enrollment_stopped': OutreachEnrollmentData & { reason: string };
  'outreach.reply_received': OutreachEnrollmentData & { inboundEventId: string };
  'outreach.unsubscribed': OutreachEnrollmentData;

  'interview.scheduled': InterviewEventData;
  /** A new time, length, location or panel; `sequence` is the invitation's new SEQUENCE. */
  'interview.rescheduled': InterviewEventData;
  'interview.cancelled': InterviewEventData;
  /**
   * An interviewer submitted a version of their scorecard. Neither ratings nor the recommendation:
   * the feed reaches recruiters whom the bias guard still keeps from reading others' scorecards.
   */
  'scorecard.submitted': {
    scorecardId: string;
    interviewId: string;
    applicationId: string;
    candidateId: string;
    taskForceId: string;
    interviewerId: string;
    version: number;
  };

  /** An endpoint kept failing and was disabled; `reason` says why (the last answer, the time it has been failing). */
  'webhook.endpoint_disabled': { endpointId: string; reason: string };
  /** A test ping an admin asked for; delivered to that endpoint only. */
  'webhook.test': { endpointId: string };
}

/** The enrollment an outreach event is about. */
export interface OutreachEnrollmentData {
  enrollmentId: string;
  sequenceId: string;
  candidateId: string;
  applicationId: string;
  taskForceId: string;
}

/** One step of a sequence: the message (`outreachMessageId`) and its place. */
export interface OutreachStepData extends OutreachEnrollmentData {
  outreachMessageId: string;
  step: number;
}

/** An interview and when it is (UTC); the panel and the reasons are read through the API. */
export interface InterviewEventData {
  interviewId: string;
  applicationId: string;
  candidateId: string;
  taskForceId: string;
  kind: string;
  startsAt: string;
  endsAt: string;
  sequence: number;
}

/** Every offer event: the move of the offer's status, and the version of its terms. */
export interface OfferEventData {
  offerId: string;
  applicationId: string;
  candidateId: string;
  taskForceId: string;
  from: string | null;
  to: string;
  offerVersion: number;
}

export type EventType = keyof DomainEventPayloads;

/** The payload version each event is published with. */
export const EVENT_VERSIONS: { [T in EventType]: number } = {
  'candidate.created': 1,
  'candidate.updated': 1,
  'candidate.merged': 1,
  'candidate.erased': 1,
  'candidate.opted_out': 1,
  'application.created': 1,
  'application.stage_changed': 1,
  'application.hired': 1,
  'application.rejected': 1,
  'application.withdrawn': 1,
  'offer.drafted': 1,
  'offer.submitted': 1,
  'offer.approved': 1,
  'offer.approval_rejected': 1,
  'offer.returned_for_approval': 1,
  'offer.sent': 1,
  'offer.accepted': 1,
  'offer.declined': 1,
  'offer.expired': 1,
  'offer.withdrawn': 1,
  'salary_band.version_created': 1,
  'fx_rate.set': 1,
  'sequence.version_created': 1,
  'outreach.step_sent': 1,
  'outreach.step_bounced': 1,
  'outreach.step_uncertain': 1,
  'outreach.enrollment_stopped': 1,
  'outreach.reply_received': 1,
  'outreach.unsubscribed': 1,
  'interview.scheduled': 1,
  'interview.rescheduled': 1,
  'interview.cancelled': 1,
  'scorecard.submitted': 1,
  'webhook.endpoint_disabled': 1,
  'webhook.test': 1,
};

export const EVENT_TYPES = Object.keys(EVENT_VERSIONS) as EventType[];

/** What a publisher hands over. `taskForceId` scopes the event to that task force's members; `candidateId` names the person it is about, for erasure. */
export interface NewDomainEvent<T extends EventType = EventType> {
  type: T;
  payload: DomainEventPayloads[T];
  actorId: string | null;
  taskForceId?: string | null;
  candidateId?: string | null;
}

export interface DomainEvent<T extends EventType = EventType> extends NewDomainEvent<T> {
  id: string;
  version: number;
  occurredAt: Date;
}

/** One event of any type, narrowed by `type`. */
export type AnyDomainEvent = { [T in EventType]: DomainEvent<T> }[EventType];
