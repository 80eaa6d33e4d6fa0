import './prefetch.ts'
import { render } from 'preact'
import { App } from './components/app.tsx'
import './styles.css'

// Replaces the loading message the page ships with.
const root = document.getElementById('app')!
root.textContent = ''
render(<App />, root)
