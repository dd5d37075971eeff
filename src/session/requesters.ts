/** Who a request is made as: a user minted here, the anonymous requester, or a raw JWT. */
import { subjectFor, type Claims, type Issuer } from '../tokens/index.js';
import type { Engine } from './engine.js';

export interface UserOptions {
  /** extra claims, merged over the Neon Auth ones */
  claims?: Record<string, unknown>;
  /** the subject; default a UUID derived from the name; null: a token without `sub` */
  sub?: string | null;
  /** the token's `role` claim; requests run as that role (default "authenticated") */
  role?: string;
}

export class User {
  readonly kind = 'user' as const;
  readonly name: string;
  /** `sub` of this user's tokens (null when they have none) */
  readonly sub: string | null;
  /** the role requests run as */
  readonly role: string;
  readonly extraClaims: Record<string, unknown> | undefined;
  #issuer: Issuer;
  /** @internal the database this user belongs to (for matchers) */
  readonly engine: Engine;

  constructor(engine: Engine, name: string, options: UserOptions, defaultRole: string) {
    this.engine = engine;
    this.#issuer = engine.issuer;
    this.name = name;
    this.sub = options.sub === undefined ? subjectFor(name) : options.sub;
    const claimRole = options.claims?.role;
    this.role = options.role ?? (typeof claimRole === 'string' ? claimRole : defaultRole);
    this.extraClaims = options.claims;
  }

  #claims: { second: number; claims: Readonly<Claims> } | undefined;

  /**
   * The claims of a token minted now. They change only with the clock's second (iat, exp): the
   * same frozen object is returned within one, so what is derived from it can be cached.
   */
  claims(): Readonly<Claims> {
    const second = this.#issuer.options.clock.seconds();
    if (this.#claims?.second !== second) {
      this.#claims = { second, claims: Object.freeze(this.#issuer.userClaims({ name: this.name, sub: this.sub, role: this.role, claims: this.extraClaims })) };
    }
    return this.#claims.claims;
  }

  /** A signed JWT for this user, minted at the database clock's current time. */
  get token(): Promise<string> {
    return this.#issuer.mint(this.claims());
  }

  toString(): string {
    return `user "${this.name}"`;
  }
}

export class Anonymous {
  readonly kind = 'anonymous' as const;
  readonly name = 'anonymous';
  toString(): string {
    return 'anonymous';
  }
}

export type Requester = User | Anonymous | string;

export function isRequester(v: unknown): v is Requester {
  return v instanceof User || v instanceof Anonymous || typeof v === 'string';
}

/** How a requester is named in messages. */
export function requesterLabel(r: Requester): string {
  if (typeof r !== 'string') return r.name;
  try {
    const payload = JSON.parse(Buffer.from(r.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload?.sub === 'string' ? `token (sub ${payload.sub})` : 'token (no sub)';
  } catch {
    return 'token (not a JWT)';
  }
}
