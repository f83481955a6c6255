import { render } from 'preact';
import { App } from './app';
import { langStore } from './i18n';
import './styles.css';

document.documentElement.lang = langStore.get();
render(<App />, document.getElementById('app')!);
