/**
 * A class run's join link: the lab's address with
 * `#join=<run>&nats=<ws url>&user=<user>&pass=<password>`. Opening it makes
 * the tab an actor of that run instead of opening the lab. Pure, so that
 * Node tests read and write links.
 */
export interface JoinLink {
  run: string;
  /** The NATS server's WebSocket listener: ws://host:8080 (page over http) or wss:// (page over https). */
  url: string;
  user: string;
  pass: string;
}

const RUN = /^[A-Za-z0-9_-]{1,64}$/;

/** The join link of a hash (`location.hash`), null if the hash is not one, or a sentence saying what is wrong. */
export function parseJoinHash(hash: string): JoinLink | null | string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const run = params.get('join');
  if (run === null) return null;
  if (!RUN.test(run)) return `the run name '${run.slice(0, 40)}' is not 1-64 letters, digits, - or _`;
  const url = params.get('nats') ?? '';
  if (!/^wss?:\/\/[^\s]+$/.test(url)) return 'the link needs nats=ws://host:port (or wss://)';
  return { run, url, user: params.get('user') ?? '', pass: params.get('pass') ?? '' };
}

/** The hash of a join link, for `<lab address>#...`. */
export function joinHash(link: JoinLink): string {
  const params = new URLSearchParams({ join: link.run, nats: link.url, ...(link.user ? { user: link.user } : {}), ...(link.pass ? { pass: link.pass } : {}) });
  return `#${params.toString()}`;
}

/** Longest name part of a contributor id. */
const MAX_NAME = 24;

/**
 * A tab's contributor id from the name its student typed and a random
 * suffix: accents dropped, anything but letters, digits, '.', '_' and '-'
 * made '_', at most 24 characters, then `-<suffix>` (so that two Adas stay
 * two contributors). The id is what unroll message ids and the learner's
 * table carry (`[A-Za-z0-9_.-]`); an empty name gives `tab-<suffix>`.
 */
export function contributorId(name: string, suffix: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .replace(/\s+/g, '_')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, MAX_NAME)
    .replace(/-+$/, '');
  return `${slug === '' ? 'tab' : slug}-${suffix}`;
}
