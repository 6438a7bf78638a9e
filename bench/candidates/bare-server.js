// Baseline for the benchmark: the least a server can do to answer GET /v1/candidates/:id:
// Fastify, one pooled pg query by primary key, JSON out. No auth, validation, scoping or logging.
const Fastify = require('fastify');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const app = Fastify({ logger: false });
app.get('/v1/candidates/:id', async (request, reply) => {
  const { rows } = await pool.query('SELECT * FROM candidates WHERE id = $1', [request.params.id]);
  if (!rows[0]) return reply.code(404).send({ status: 404 });
  const { search, ...row } = rows[0];
  return row;
});
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => process.send?.('ready'));
