// Baseline for the benchmark: the least a server can do to answer GET /v1/candidates/:id:
// Fastify, one pooled pg query by primary key, JSON out. No auth, validation, scoping or logging.
// It runs the statement the API runs for an admin (the same columns, never the search vector,
// with the candidate's applications), so the two differ only in what the API does around it.
const Fastify = require('fastify');
const { Pool } = require('pg');
const { CANDIDATE_COLUMNS } = require('../../dist/libs/candidates/src/candidate-row');

const SQL = `SELECT ${CANDIDATE_COLUMNS},
       coalesce((SELECT json_agg(json_build_object('id', a.id, 'task_force_id', a.task_force_id, 'opening_id', a.opening_id, 'stage', a.stage) ORDER BY a.id)
                   FROM (SELECT a.* FROM applications a WHERE a.candidate_id = c.id ORDER BY a.id DESC LIMIT 50) a), '[]') AS applications
  FROM candidates c WHERE c.id = $1 AND c.erased_at IS NULL AND c.merged_into IS NULL`;

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const app = Fastify({ logger: false });
app.get('/v1/candidates/:id', async (request, reply) => {
  const { rows } = await pool.query(SQL, [request.params.id]);
  if (!rows[0]) return reply.code(404).send({ status: 404 });
  return rows[0];
});
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => process.send?.('ready'));
