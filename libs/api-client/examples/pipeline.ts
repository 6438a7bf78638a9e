// Lists the task forces and candidates an API token sees, page by page, with the typed client.
//   API_URL=http://127.0.0.1:3000 API_TOKEN=... npm run example        (in libs/api-client)
//   API_URL=... API_TOKEN=... npm run example:client                    (at the repository root)
import { createHiringClient, type HiringClient, type Problem } from '@overseas-hiring/api-client';

const baseUrl = process.env.API_URL;
const token = process.env.API_TOKEN;
if (!baseUrl || !token) {
  console.error('set API_URL (e.g. http://127.0.0.1:3000) and API_TOKEN');
  process.exit(2);
}

function fail(what: string, status: number, problem: Problem): never {
  throw new Error(`${what}: ${status} ${problem.code}: ${problem.detail}`);
}

async function taskForces(client: HiringClient): Promise<void> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const { data, error, response } = await client.GET('/v1/task-forces', { params: { query: { limit: 100, cursor } } });
    if (error) fail('listing task forces', response.status, error);
    for (const tf of data.data) {
      count += 1;
      console.log(`task force ${tf.id}  ${tf.name}  (${tf.company}, ${tf.status}, ${tf.hiredCount}/${tf.headcountTarget} hired)`);
    }
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  console.log(`${count} task force(s)`);
}

async function candidates(client: HiringClient): Promise<void> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const { data, error, response } = await client.GET('/v1/candidates', { params: { query: { limit: 100, cursor } } });
    if (error) fail('listing candidates', response.status, error);
    for (const c of data.data) {
      count += 1;
      const names = c.nativeName ? `${c.fullName} / ${c.nativeName}` : c.fullName;
      const where = [c.currentTitle, c.currentEmployer].filter(Boolean).join(' at ');
      console.log(`candidate ${c.id}  ${names}${where ? `  (${where})` : ''}  skills: ${c.skills.join(', ') || '-'}`);
    }
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  console.log(`${count} candidate(s)`);
}

async function main(): Promise<void> {
  const client = createHiringClient({ baseUrl: baseUrl!, token: token! });
  await taskForces(client);
  await candidates(client);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
