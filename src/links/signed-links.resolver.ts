import { Arg, Ctx as Context, Field, ID, Int, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { LocalDateScalar } from '../common/scalars';
import type { Ctx } from '../context';
import { authorize, signedIn } from '../auth/policy';
import { certificateLinkScope, LINKS_POLICY as may } from './links.policy';
import * as links from './signed-links.service';

export enum SignedLinkPurpose {
  SERVICE_CERTIFICATE = 'SERVICE_CERTIFICATE',
  PUBLIC_BOARD = 'PUBLIC_BOARD',
  PERSONAL_EXPORT = 'PERSONAL_EXPORT',
}
registerEnumType(SignedLinkPurpose, { name: 'SignedLinkPurpose', description: 'What a signed link opens.' });

@ObjectType({ description: 'A link signed by the server that opens a page without signing in, until it expires or is revoked.' })
export class SignedLink {
  @Field(() => ID)
  id: string;

  @Field(() => SignedLinkPurpose)
  purpose: SignedLinkPurpose;

  @Field(() => String, { nullable: true, description: 'The page’s address, only in the answer that created it: the server keeps a hash of its token, never the token.' })
  url: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  expiresAt: Date;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}

const toLink = (row: links.SignedLinkRow, url: string | null = null): SignedLink => ({
  id: row.id,
  purpose: row.purpose as SignedLinkPurpose,
  url,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

@Resolver(() => SignedLink)
export class SignedLinkResolver {
  @Mutation(() => SignedLink, {
    description:
      'A link to the volunteer’s service certificate (printable page). For the volunteer, an admin, a secretary (their communities’ logs) or, with partnerId, an owner of a partner the volunteer belongs to (that partner’s logs). validDays: 1-90, default 7.',
  })
  async createCertificateLink(
    @Arg('volunteerId', () => ID) volunteerId: string,
    @Arg('from', () => LocalDateScalar, { nullable: true }) from: string | null,
    @Arg('to', () => LocalDateScalar, { nullable: true }) to: string | null,
    @Arg('partnerId', () => ID, { nullable: true }) partnerId: string | null,
    @Arg('validDays', () => Int, { nullable: true }) validDays: number | null,
    @Context() ctx: Ctx,
  ): Promise<SignedLink> {
    const scope = await certificateLinkScope(ctx, { volunteerId, partnerId });
    const { row, url } = await links.createCertificateLink(ctx, { volunteerId, from, to, validDays }, scope, signedIn(ctx));
    return toLink(row, url);
  }

  @Mutation(() => SignedLink, {
    description: 'A link to the community’s public board page (with its own QR code, for the community hall). Secretaries and admins. validDays: 1-366, default 30.',
  })
  async createBoardLink(
    @Arg('communityId', () => ID) communityId: string,
    @Arg('validDays', () => Int, { nullable: true }) validDays: number | null,
    @Context() ctx: Ctx,
  ): Promise<SignedLink> {
    const { roles } = await authorize(ctx, may.createBoardLink, { communityId });
    const { row, url } = await links.createBoardLink(ctx, { communityId, validDays }, roles.userId);
    return toLink(row, url);
  }

  @Mutation(() => SignedLink, {
    description: 'A link that downloads the signed-in person’s own data (as GET /me/export) in a browser, for one day; anyone holding it can, so it is shown once and erasing the account revokes it.',
  })
  async createExportLink(@Context() ctx: Ctx): Promise<SignedLink> {
    const { roles } = await authorize(ctx, may.createExportLink, {});
    const { row, url } = await links.createExportLink(ctx, roles.userId);
    return toLink(row, url);
  }

  @Mutation(() => SignedLink, { description: 'The link stops opening its page at once. Its creator or an admin.' })
  async revokeSignedLink(@Arg('id', () => ID) id: string, @Context() ctx: Ctx): Promise<SignedLink> {
    await authorize(ctx, may.revokeSignedLink, { id });
    return toLink(await links.revokeLink(ctx, id));
  }

  @Query(() => [SignedLink], { description: 'The links the signed-in user created, newest first (without their URLs).' })
  async mySignedLinks(@Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null, @Context() ctx: Ctx): Promise<SignedLink[]> {
    return (await links.linksCreatedBy(ctx, first ?? 20)).map((row) => toLink(row));
  }
}
