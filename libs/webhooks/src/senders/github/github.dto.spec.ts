import { describe, expect, it } from '@jest/globals';
import {
  GithubInstallationDto,
  GithubOrganizationDto,
  GithubRepositoryDto,
  GithubUserDto,
  GithubWebhookDto,
} from './github.dto.js';
import { GITHUB_SAMPLE } from './github.sample.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';

// A copy per test, made in this realm (structuredClone's objects would fail the plain-object check).
const sample = (): Record<string, any> => JSON.parse(JSON.stringify(GITHUB_SAMPLE.payload));

// Shaped as GitHub's docs show them: an app's `installation`, an organization's repository.
const INSTALLATION = { id: 2311213, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw==' };
const ORGANIZATION = {
  login: 'github',
  id: 1,
  node_id: 'MDEyOk9yZ2FuaXphdGlvbjE=',
  url: 'https://api.github.com/orgs/github',
};

describe('GithubWebhookDto', () => {
  it("accepts the sample, GitHub's issues.opened example", async () => {
    const value = await valueOf(GithubWebhookDto, sample());
    expect(value).toBeInstanceOf(GithubWebhookDto);
    expect(value.action).toBe('opened');
    expect(value.sender).toBeInstanceOf(GithubUserDto);
    expect(value.sender).toMatchObject({ login: 'Codertocat', id: 21031067, type: 'User' });
    expect(value.repository).toBeInstanceOf(GithubRepositoryDto);
    expect(value.repository?.full_name).toBe('Codertocat/Hello-World');
  });

  it('keeps the fields it does not declare, at the top and inside the objects it does', async () => {
    const value = (await valueOf(GithubWebhookDto, sample())) as GithubWebhookDto & Record<string, any>;
    expect(value.issue.title).toBe('Spelling error in the README file');
    expect(value.issue.labels[0].name).toBe('bug');
    expect((value.sender as unknown as Record<string, unknown>).site_admin).toBe(false);
    expect((value.repository as unknown as Record<string, unknown>).default_branch).toBe('master');
  });

  it('accepts an app delivery with an installation and an organization', async () => {
    const value = await valueOf(GithubWebhookDto, {
      ...sample(),
      installation: INSTALLATION,
      organization: ORGANIZATION,
    });
    expect(value.installation).toBeInstanceOf(GithubInstallationDto);
    expect(value.installation?.id).toBe(2311213);
    expect(value.organization).toBeInstanceOf(GithubOrganizationDto);
    expect((value.organization as unknown as Record<string, unknown>).url).toBe(ORGANIZATION.url);
  });

  it('accepts payloads without an action, as push and ping send them', async () => {
    const push = { ref: 'refs/heads/main', before: '0'.repeat(40), after: 'a'.repeat(40), commits: [] };
    expect((await valueOf(GithubWebhookDto, { ...push, sender: sample().sender })).action).toBeUndefined();
    const ping = { zen: 'Keep it logically awesome.', hook_id: 123, hook: { type: 'Repository', id: 123 } };
    expect((await valueOf(GithubWebhookDto, ping)) as unknown).toMatchObject(ping);
    expect(await valueOf(GithubWebhookDto, {})).toBeInstanceOf(GithubWebhookDto);
  });

  it('accepts actions GitHub writes with an underscore', async () => {
    expect((await valueOf(GithubWebhookDto, { action: 'review_requested' })).action).toBe('review_requested');
  });

  it.each([
    [{ action: 42 }, ['action must be a string']],
    [{ action: '' }, ['action should not be empty']],
    [{ action: 'opened.twice' }, ['action must be one word of letters, digits, "_" and "-"']],
    [{ action: 'a'.repeat(257) }, ['action must be shorter than or equal to 256 characters']],
    [{ sender: 'Codertocat' }, ['sender must be an object']],
    [{ repository: [] }, ['repository must be an object']],
    [
      { sender: { login: 7, id: '21031067' } },
      ['sender.login must be a string', 'sender.id must be an integer number'],
    ],
    [{ installation: {} }, ['installation.id must be an integer number']],
    [{ installation: { id: '2311213' } }, ['installation.id must be an integer number']],
    [{ organization: { id: 1.5 } }, ['organization.id must be an integer number']],
    [{ enterprise: 'github' }, ['enterprise must be an object']],
  ])('refuses %j', async (fields, expected) => {
    const errors = await errorsOf(GithubWebhookDto, { ...sample(), ...fields });
    for (const message of expected) expect(errors).toContain(message);
  });
});
