// The peer of the nested-query benchmark: the part of PHEME's schema the query asks, served by
// graphql-yoga over better-sqlite3 on the same SQLite file, written the way such a server is
// usually written — one prepared statement per resolver, called per parent (no DataLoader).
//   node server.mjs DB_FILE PORT
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { createSchema, createYoga } from 'graphql-yoga';

const [file, port] = process.argv.slice(2);
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('journal_mode = WAL');

const hex = (b) => `0x${Buffer.from(b).toString('hex')}`;
const q = {
  user: db.prepare('SELECT id, address, display_name, bio, created_at FROM users WHERE address = ?'),
  skills: db.prepare('SELECT k.slug, k.name, k.domain, l.xp, l.level FROM skill_levels l JOIN skills k ON k.id = l.skill_id WHERE l.user_id = ? ORDER BY l.xp DESC, k.slug'),
  badges: db.prepare('SELECT b.slug, b.name, b.rarity FROM badge_awards a JOIN badge_types b ON b.id = a.badge_id WHERE a.user_id = ? AND a.revoked_at IS NULL ORDER BY a.id DESC'),
  guilds: db.prepare('SELECT g.slug, g.name, g.type, m.role FROM guild_members m JOIN guilds g ON g.id = m.guild_id WHERE m.user_id = ? ORDER BY g.slug'),
  subs: db.prepare('SELECT id, task_id, state FROM submissions WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?'),
  task: db.prepare('SELECT id, title FROM tasks WHERE id = ?'),
  reviews: db.prepare('SELECT round, score FROM reviews WHERE submission_id = ? ORDER BY id'),
};

const typeDefs = /* GraphQL */ `
  scalar Bytes
  scalar BigInt
  type Query { wallet(address: Bytes!): Wallet }
  type Wallet { address: Bytes! xp: BigInt! skills: [SkillLevel!]! badges: [Badge!]! guilds: [GuildRef!]! user: User! }
  type SkillLevel { slug: String! name: String! domain: String! xp: BigInt! level: Int! }
  type Badge { slug: String! name: String! rarity: String! }
  type GuildRef { slug: String! name: String! type: String! role: String! }
  type User { id: ID! submissions(first: Int = 10, skip: Int = 0): [Submission!] }
  type Submission { id: ID! state: String! task: Task! reviews: [Review!]! }
  type Task { id: ID! title: String! }
  type Review { round: Int! score: Int! }
`;

const resolvers = {
  Query: {
    wallet: (_, { address }) => {
      const u = q.user.get(Buffer.from(address.slice(2), 'hex'));
      if (!u) return null;
      const skills = q.skills.all(u.id);
      return { u, skills, xp: String(skills.reduce((s, k) => s + k.xp, 0)) };
    },
  },
  Wallet: {
    address: (w) => hex(w.u.address),
    skills: (w) => w.skills.map((k) => ({ ...k, xp: String(k.xp) })),
    badges: (w) => q.badges.all(w.u.id),
    guilds: (w) => q.guilds.all(w.u.id),
    user: (w) => w.u,
  },
  User: { submissions: (u, { first, skip }) => q.subs.all(u.id, first, skip) },
  Submission: {
    task: (s) => q.task.get(s.task_id),
    reviews: (s) => q.reviews.all(s.id),
  },
};

const yoga = createYoga({ schema: createSchema({ typeDefs, resolvers }), logging: false, graphiql: false, maskedErrors: false });
createServer(yoga).listen(Number(port), '127.0.0.1', () => console.log(`peer listening on ${port}`));
