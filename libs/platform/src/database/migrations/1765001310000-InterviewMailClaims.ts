import { MigrationInterface, QueryRunner } from 'typeorm';

export class InterviewMailClaims1765001310000 implements MigrationInterface {
  name = 'InterviewMailClaims1765001310000';

  async up(q: QueryRunner): Promise<void> {
    // Every run of the interview mail sender looks for claims whose sender died; only a handful are ever in flight.
    await q.query(`CREATE INDEX interview_mails_sending_idx ON interview_mails (claimed_at) WHERE status = 'sending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS interview_mails_sending_idx`);
  }
}
