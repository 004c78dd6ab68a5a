import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axe } from 'jest-axe';
import type { MentionsDto } from '../src/api';
import { invoke } from '../src/api';
import { App } from '../src/app';
import { MentionsSection } from '../src/components/mentions-section';
import { aSlackType, callsTo, ok, useBackend, type FakeBackend } from './fake-backend';

const WS_CONTEXT = { accountId: 'a1', moduleKey: 'workspace-settings', extension: { workspace: { slug: 'acme' } } };
const ACCOUNT = '557058:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

function workspace(mentions: MentionsDto, over: FakeBackend = {}) {
  useBackend(
    {
      getWorkspaceDefaults: () => ok({ channels: [], rules: [], mentions, channelTypes: [aSlackType()] }),
      saveWorkspaceMentions: (req) => ok({ mentions: req.mentions }),
      ...over,
    },
    WS_CONTEXT,
  );
  const user = userEvent.setup();
  const utils = render(<App />);
  return { user, ...utils };
}

const section = () => screen.findByRole('region', { name: 'People to mention' });

describe('people to mention (workspace)', () => {
  it('renders the saved map: one row per person, one labelled field per tool', async () => {
    const { container } = workspace({
      'jane@acme.example': { slack: 'U024BE7LH', 'google-chat': 'users/123456789012345678901' },
      [ACCOUNT]: { teams: 'ravi@acme.example', discord: '80351110224678912', mattermost: 'ravi.p' },
    });
    const s = await section();
    expect(within(s).getByText(/become real mentions in each chat tool/)).toBeInTheDocument();
    expect(within(s).getByLabelText('Person 1')).toHaveValue('jane@acme.example');
    expect(within(s).getByLabelText('Slack user id for jane@acme.example')).toHaveValue('U024BE7LH');
    expect(within(s).getByLabelText('Google Chat user for jane@acme.example')).toHaveValue('users/123456789012345678901');
    expect(within(s).getByLabelText('Teams UPN or AAD id for jane@acme.example')).toHaveValue('');
    expect(within(s).getByLabelText('Person 2')).toHaveValue(ACCOUNT);
    expect(within(s).getByLabelText(`Teams UPN or AAD id for ${ACCOUNT}`)).toHaveValue('ravi@acme.example');
    expect(within(s).getByLabelText(`Discord user id for ${ACCOUNT}`)).toHaveValue('80351110224678912');
    expect(within(s).getByLabelText(`Mattermost username for ${ACCOUNT}`)).toHaveValue('ravi.p');
    expect(within(s).getAllByRole('textbox')).toHaveLength(12);
    expect(await axe(container)).toHaveNoViolations();
  });

  it('adds a row and saves the map with trimmed values and no empty handles', async () => {
    const { user } = workspace({ 'jane@acme.example': { slack: 'U024BE7LH' } });
    const s = await section();
    expect(within(s).queryByLabelText('Person 2')).not.toBeInTheDocument();
    await user.click(within(s).getByRole('button', { name: 'Add a person' }));
    const key = within(s).getByLabelText('Person 2');
    expect(key).toHaveValue('');
    expect(key).toHaveFocus();
    expect(within(s).getByLabelText('Slack user id for person 2')).toBeInTheDocument();
    await user.type(key, ' ravi@acme.example ');
    await user.type(within(s).getByLabelText('Mattermost username for ravi@acme.example'), 'ravi.p');
    await user.type(within(s).getByLabelText('Discord user id for ravi@acme.example'), '80351110224678912');
    await user.click(within(s).getByRole('button', { name: 'Save people' }));
    expect(await within(s).findByRole('status')).toHaveTextContent('People saved');
    expect(callsTo('saveWorkspaceMentions')).toEqual([
      {
        mentions: {
          'jane@acme.example': { slack: 'U024BE7LH' },
          'ravi@acme.example': { discord: '80351110224678912', mattermost: 'ravi.p' },
        },
      },
    ]);
    // Editing again takes the success message away.
    await user.type(within(s).getByLabelText('Slack user id for ravi@acme.example'), 'U');
    expect(within(s).queryByRole('status')).not.toBeInTheDocument();
  });

  it('shows the server field errors next to the inputs they name, keys with dots included', async () => {
    const { user } = workspace(
      { 'jane.doe@acme.example': { slack: 'U024BE7LH' } },
      {
        saveWorkspaceMentions: () => ({
          ok: false,
          error: {
            code: 'invalid',
            message: 'mentions are invalid',
            fields: [
              { path: 'mentions.jane.doe@acme.example.slack', message: 'expected a Slack user id such as "U024BE7LH", got "U0"' },
              { path: `mentions.${ACCOUNT}`, message: 'the same person as "x"; keep one entry' },
              { path: 'mentions', message: 'too many people' },
            ],
          },
        }),
      },
    );
    const s = await section();
    await user.click(within(s).getByRole('button', { name: 'Add a person' }));
    await user.type(within(s).getByLabelText('Person 2'), ACCOUNT);
    await user.type(within(s).getByLabelText(`Teams UPN or AAD id for ${ACCOUNT}`), 'ravi@acme.example');
    await user.click(within(s).getByRole('button', { name: 'Save people' }));

    const slack = within(s).getByLabelText('Slack user id for jane.doe@acme.example');
    const slackError = await within(s).findByText(/got "U0"/);
    expect(slack).toHaveAttribute('aria-describedby', slackError.closest('[id]')!.id);
    expect(slackError.closest('[id]')!.id).toBe(`${slack.id}-error`);
    expect(slack).toHaveAttribute('aria-invalid', 'true');
    const key = within(s).getByLabelText('Person 2');
    expect(screen.getByTestId(`${key.id}-error`)).toHaveTextContent('keep one entry');
    // A path that names no field lands in the banner.
    expect(within(screen.getByRole('alert')).getByText('mentions: too many people')).toBeInTheDocument();
    expect(within(s).queryByText('People saved')).not.toBeInTheDocument();
  });

  it('checks the obvious rules in the browser before asking the server', async () => {
    const { user } = workspace({});
    const s = await section();
    expect(within(s).getByText(/No one yet/)).toBeInTheDocument();
    await user.click(within(s).getByRole('button', { name: 'Add a person' }));
    await user.click(within(s).getByRole('button', { name: 'Add a person' }));
    await user.type(within(s).getByLabelText('Person 1'), 'not a person');
    await user.type(within(s).getByLabelText('Slack user id for not a person'), 'U024BE7LH');
    await user.click(within(s).getByRole('button', { name: 'Save people' }));
    expect(screen.getByTestId(`${within(s).getByLabelText('Person 1').id}-error`)).toHaveTextContent('Expected an e-mail address');
    expect(screen.getByTestId(`${within(s).getByLabelText('Person 2').id}-error`)).toHaveTextContent('Enter the person’s e-mail address');
    expect(callsTo('saveWorkspaceMentions')).toHaveLength(0);
  });

  it('clears the map when every row is removed and saved', async () => {
    const { user } = workspace({ 'jane@acme.example': { slack: 'U024BE7LH' } });
    const s = await section();
    await user.click(within(s).getByRole('button', { name: 'Remove jane@acme.example' }));
    expect(within(s).queryByLabelText('Person 1')).not.toBeInTheDocument();
    await user.click(within(s).getByRole('button', { name: 'Save people' }));
    expect(callsTo('saveWorkspaceMentions')).toEqual([{ mentions: {} }]);
    expect(await within(s).findByRole('status')).toHaveTextContent('No one is mentioned by handle now');
  });

  it('shows the answer the server saved (it trims and may normalise)', async () => {
    useBackend({ saveWorkspaceMentions: () => ok({ mentions: { 'jane@acme.example': { slack: 'W0000AAAA' } } }) }, WS_CONTEXT);
    const onMentions = jest.fn();
    const user = userEvent.setup();
    render(<MentionsSection mentions={{ 'jane@acme.example': { slack: 'U024BE7LH' } }} save={(mentions) => invoke('saveWorkspaceMentions', { mentions })} onMentions={onMentions} />);
    await user.click(screen.getByRole('button', { name: 'Save people' }));
    expect(await screen.findByRole('status')).toBeInTheDocument();
    expect(onMentions).toHaveBeenCalledWith({ 'jane@acme.example': { slack: 'W0000AAAA' } });
    expect(screen.getByLabelText('Slack user id for jane@acme.example')).toHaveValue('W0000AAAA');
  });
});
