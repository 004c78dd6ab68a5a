import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LazyBoundary, preloadable } from '../src/lib/lazy';

describe('lazily loaded parts', () => {
  it('offers a retry when a chunk fails to load, and renders the part once it loads', async () => {
    // React reports the error the boundary catches on console.error; that is expected here.
    (console.error as jest.Mock).mockImplementation(() => {});
    let offline = true;
    let attempts = 0;
    const Part = preloadable<{ text: string }>(async () => {
      attempts++;
      if (offline) throw new Error('Failed to fetch dynamically imported module');
      return (props: { text: string }) => <p>{props.text}</p>;
    });
    const user = userEvent.setup();
    render(
      <LazyBoundary label="Loading the part">
        <Part text="Loaded part" />
      </LazyBoundary>,
    );
    expect(await screen.findByText('Could not load this part of the page')).toBeInTheDocument();
    // No retry loop while the network is down: at most React's own second render asks again.
    expect(attempts).toBeLessThanOrEqual(2);
    offline = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Loaded part')).toBeInTheDocument();
  });

  it('renders a preloaded part without a fallback', async () => {
    const Part = preloadable<{ text: string }>(async () => (props: { text: string }) => <p>{props.text}</p>);
    await Part.preload();
    render(
      <LazyBoundary label="Loading the part">
        <Part text="Ready" />
      </LazyBoundary>,
    );
    expect(screen.getByText('Ready')).toBeInTheDocument();
    expect(screen.queryByRole('img', { name: 'Loading the part' })).not.toBeInTheDocument();
  });
});
