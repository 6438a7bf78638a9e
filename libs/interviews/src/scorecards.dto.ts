import { oneOfMessage, Trim } from '@app/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export const RECOMMENDATIONS = ['strong_no', 'no', 'yes', 'strong_yes'] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];

export const SCORECARD_LIMITS = {
  /** Ratings in one submission; an interview rates fewer attributes than this. */
  maxRatings: 50,
  maxNotesLength: 10_000,
  /** Versions of one interviewer's scorecard for one interview. */
  maxVersions: 50,
  /** Latest scorecards one list answers. */
  maxListed: 200,
  /** Steps of an opening's interview plan read, and interviews of an application. */
  maxPlanSteps: 20,
  maxInterviews: 100,
} as const;

/** Why a list holds fewer scorecards than were submitted. */
export const HIDDEN_REASONS = ['submit_your_own_first'] as const;
export type HiddenReason = (typeof HIDDEN_REASONS)[number];

export class RatingDto {
  @ApiProperty({ description: "One of the interview's attributes", example: 'ml_depth' }) @Trim() @IsString() @Length(1, 100) attribute: string;
  @ApiProperty({ minimum: 1, maximum: 4, description: '1 (weak) to 4 (strong)', example: 3 }) @IsInt() @Min(1) @Max(4) rating: number;
}

export class SubmitScorecardDto {
  @ApiProperty({ type: [RatingDto], description: "Exactly the interview's attributes, each rated once" })
  @IsArray()
  @ArrayMaxSize(SCORECARD_LIMITS.maxRatings)
  @ValidateNested({ each: true })
  @Type(() => RatingDto)
  ratings: RatingDto[];

  @ApiProperty({ enum: RECOMMENDATIONS, example: 'yes' })
  @IsIn(RECOMMENDATIONS, oneOfMessage('recommendation', RECOMMENDATIONS))
  recommendation: Recommendation;

  @ApiPropertyOptional({ maxLength: SCORECARD_LIMITS.maxNotesLength, description: 'Free text; cleared when the candidate is erased' })
  @IsOptional()
  @IsString()
  @MaxLength(SCORECARD_LIMITS.maxNotesLength)
  notes?: string;
}

export class RatingView {
  @ApiProperty() attribute: string;
  @ApiProperty({ minimum: 1, maximum: 4 }) rating: number;
}

export class ScorecardView {
  @ApiProperty({ format: 'uuid', description: 'This version' }) id: string;
  @ApiProperty({ format: 'uuid' }) interviewId: string;
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty({ format: 'uuid' }) interviewerId: string;
  @ApiProperty({ minimum: 1, description: "1 for the interviewer's first submission, one more for each later one" }) version: number;
  @ApiProperty({ type: [RatingView], description: "In the order of the interview's attributes" }) ratings: RatingView[];
  @ApiProperty({ enum: RECOMMENDATIONS }) recommendation: Recommendation;
  @ApiProperty({ type: String, nullable: true, description: 'null when none were written, or after the candidate was erased' }) notes: string | null;
  @ApiProperty({ format: 'date-time' }) submittedAt: string;
}

export class ScorecardListView {
  @ApiProperty({ type: [ScorecardView], description: "The latest version of each interviewer's scorecard the caller may see" }) data: ScorecardView[];
  @ApiProperty({ description: 'Scorecards of others left out (see reason)' }) hidden: number;
  @ApiProperty({
    enum: HIDDEN_REASONS,
    type: String,
    nullable: true,
    description:
      'submit_your_own_first: the caller sits on the panel of an interview of this application that has started and has not submitted their scorecard for it; they see only their own until they do (null: nothing is held back)',
  })
  reason: HiddenReason | null;
}

export class RecommendationTally {
  @ApiProperty() strong_no: number;
  @ApiProperty() no: number;
  @ApiProperty() yes: number;
  @ApiProperty() strong_yes: number;
}

export class ProgressInterviewView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['scheduled', 'cancelled'] }) status: 'scheduled' | 'cancelled';
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
  @ApiProperty({ description: 'Interviewers on the panel now' }) panelSize: number;
  @ApiProperty({ description: 'Interviewers who submitted a scorecard' }) scorecardsSubmitted: number;
  @ApiProperty({ type: RecommendationTally, nullable: true, description: 'Latest recommendations; null while hidden from the caller (reason)' })
  recommendations: RecommendationTally | null;
}

export class ProgressStepView {
  @ApiProperty() position: number;
  @ApiProperty() kind: string;
  @ApiProperty() scorecardRequired: boolean;
  @ApiProperty() interviewersNeeded: number;
  @ApiProperty({ type: [ProgressInterviewView], description: 'Interviews of this step, scheduled and cancelled, by start' })
  interviews: ProgressInterviewView[];
  @ApiProperty({ description: 'Scorecards of the best-covered interview of the step that is not cancelled' }) scorecardsSubmitted: number;
  @ApiProperty({ description: 'interviewersNeeded' }) scorecardsNeeded: number;
  @ApiProperty({ description: 'An interview of the step that is not cancelled has the scorecards needed' }) complete: boolean;
  @ApiProperty({ type: RecommendationTally, nullable: true }) recommendations: RecommendationTally | null;
}

export class ProgressTotals {
  @ApiProperty() steps: number;
  @ApiProperty() requiredSteps: number;
  @ApiProperty() requiredStepsComplete: number;
  @ApiProperty({ description: 'Scorecards submitted, over every interview of the application (one per interviewer and interview)' })
  scorecardsSubmitted: number;
  @ApiProperty({ type: RecommendationTally, nullable: true }) recommendations: RecommendationTally | null;
}

export class InterviewProgressView {
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) openingId: string | null;
  @ApiProperty({ type: [ProgressStepView], description: "The opening's interview plan, by position; empty without a plan" }) steps: ProgressStepView[];
  @ApiProperty({ type: [ProgressInterviewView], description: 'Interviews of no step of the plan' }) unplannedInterviews: ProgressInterviewView[];
  @ApiProperty({ type: ProgressTotals }) totals: ProgressTotals;
  @ApiProperty({ description: 'Every step that requires scorecards is complete: a move to offer needs no override' }) offerReady: boolean;
  @ApiProperty({ enum: HIDDEN_REASONS, type: String, nullable: true, description: 'Why the recommendations are null' }) reason: HiddenReason | null;
}
