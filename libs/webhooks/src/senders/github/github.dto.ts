// Decorators such as @Type read design-time metadata through the Reflect API at class
// definition time, so the polyfill must be loaded before these classes are evaluated.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { IsBoundedIdentifier } from '../../dto/identifier.js';

/**
 * The properties GitHub's pages describe for these objects, each checked only when present: the
 * objects differ from one event to the next, and whatever else they hold is kept as it came.
 */
export class GithubUserDto {
  @IsOptional()
  @IsString()
  login?: string;

  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsString()
  node_id?: string;

  /** `User`, `Bot` or `Organization`. */
  @IsOptional()
  @IsString()
  type?: string;
}

export class GithubRepositoryDto {
  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsString()
  node_id?: string;

  @IsOptional()
  @IsString()
  name?: string;

  /** `owner/name`. */
  @IsOptional()
  @IsString()
  full_name?: string;
}

export class GithubOrganizationDto {
  @IsOptional()
  @IsString()
  login?: string;

  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsString()
  node_id?: string;
}

/** The GitHub App installation a delivery is for, when it goes to an app. */
export class GithubInstallationDto {
  // The one thing an app needs from it (to authenticate as the installation), so it must be right.
  @IsInt()
  id!: number;

  @IsOptional()
  @IsString()
  node_id?: string;
}

/**
 * The properties common to GitHub's webhook payloads. Every one is optional: a `push` has no
 * `action`, a user's own hook no `installation`, a repository outside an organization no
 * `organization`. The rest of each event's payload (`issue`, `pull_request`, `commits`...) is
 * kept untouched; declare your own DTO extending this one to check it.
 */
export class GithubWebhookDto {
  /**
   * What happened within the `X-GitHub-Event` (`opened` for `issues`), appended to it to make the
   * event type. One word: a dot would add a level of its own to the type (`github.issues.*`).
   */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @IsBoundedIdentifier()
  @Matches(/^[A-Za-z0-9_-]+$/, { message: '$property must be one word of letters, digits, "_" and "-"' })
  action?: string;

  /** Who made it happen. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GithubUserDto)
  sender?: GithubUserDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GithubRepositoryDto)
  repository?: GithubRepositoryDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GithubOrganizationDto)
  organization?: GithubOrganizationDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GithubInstallationDto)
  installation?: GithubInstallationDto;

  /** The enterprise account, for a delivery about something an enterprise owns. */
  @IsOptional()
  @IsObject()
  enterprise?: Record<string, unknown>;
}
