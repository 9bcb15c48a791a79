import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { JoinRun } from './ui/join/JoinRun';
import { parseJoinHash } from './ui/join/joinLink';
import { registerServiceWorker } from './ui/registerServiceWorker';
import './ui/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// A class run's join link makes this tab an actor of that run instead of opening the lab.
const join = parseJoinHash(location.hash);
createRoot(root).render(
  <StrictMode>
    {join === null ? <App /> : typeof join === 'string' ? <p role="alert">This join link is broken: {join}.</p> : <JoinRun link={join} />}
  </StrictMode>,
);

if (import.meta.env.PROD) registerServiceWorker();
